/** One line of an experiment's log: what it did or saw, when, with the data behind it. */
export interface ExperimentStep {
  /** Milliseconds since the run started. */
  readonly atMs: number;
  readonly text: string;
  readonly data?: unknown;
}

/** How a run ended: whether the property held, in one sentence, and the evidence shown beside it. */
export interface Verdict {
  readonly held: boolean;
  readonly summary: string;
  /** Rows of evidence (a table on the page): each a record of the same keys. */
  readonly evidence: readonly Readonly<Record<string, string | number | boolean>>[];
}

/** One line of a live chart: its points, `[ms since the run started, value]`. */
export interface ChartSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

/** A live chart of a run (drawn on the page as it grows, and kept with the run). */
export interface ExperimentChart {
  readonly title: string;
  /** The unit of the values, e.g. `claims/s`. */
  readonly unit: string;
  readonly series: readonly ChartSeries[];
}

/** What an experiment may use while it runs. */
export interface ExperimentContext {
  /** Adds a line to the run's log, shown live. */
  step(text: string, data?: unknown): void;
  /** Shows `chart` as the run's live chart, replacing the one before. */
  chart(chart: ExperimentChart): void;
  /** Aborted when the console closes: an experiment stops waiting and heals what it broke. */
  readonly signal: AbortSignal;
}

/**
 * One experiment of the console (issue 16, item 3): it disturbs the local stack
 * on purpose, watches what the platform does, puts the stack back as it found
 * it, and ends with a verdict and its evidence. An experiment must heal what it
 * broke even when its property does not hold (a `finally`), and throws only when
 * it could not run at all (the reason is shown).
 */
export interface Experiment {
  /** The name in the API, `POST /api/experiments/<name>`. */
  readonly name: string;
  readonly title: string;
  /** What it shows, for the page; and the source notes' points it shows. */
  readonly description: string;
  readonly notes: readonly string[];
  run(ctx: ExperimentContext): Promise<Verdict>;
}
