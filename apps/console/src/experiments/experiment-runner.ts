import { randomUUID } from 'node:crypto';
import type { JsonLogger } from '@dsp/service-defaults';
import type { Experiment, ExperimentChart, ExperimentStep, Verdict } from './experiment';

/** One run of an experiment, as the page and the API show it. */
export interface ExperimentRun {
  readonly id: string;
  readonly experiment: string;
  readonly by: string;
  readonly startedAt: string;
  state: 'running' | 'held' | 'broken' | 'failed';
  readonly steps: ExperimentStep[];
  /** The run's live chart, when its experiment draws one. */
  chart?: ExperimentChart;
  verdict?: Verdict;
  /** Why the run could not complete (`failed`). */
  error?: string;
  durationMs?: number;
}

/** Why a run was not started: the HTTP status and reason the API answers. */
export class ExperimentRefused extends Error {
  constructor(
    readonly status: 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'ExperimentRefused';
  }
}

/**
 * Runs the console's experiments, one at a time. Guarantees: a second start
 * while one runs is refused (409) rather than queued, since two experiments on
 * one ensemble would disturb each other's evidence; every run is kept (the
 * last `keep`) with each step as it happens; a run that throws ends `failed`
 * with its reason, never silently; `close` aborts the running experiment,
 * waits for it to heal the stack, and is safe to call twice.
 */
export class ExperimentRunner {
  private readonly byName: ReadonlyMap<string, Experiment>;
  private readonly runs: ExperimentRun[] = [];
  private current?: { run: ExperimentRun; done: Promise<void> };
  private readonly abort = new AbortController();
  private closing?: Promise<void>;

  constructor(
    experiments: readonly Experiment[],
    private readonly logger: JsonLogger,
    private readonly keep = 20,
  ) {
    const map = new Map<string, Experiment>();
    for (const e of experiments) {
      if (map.has(e.name)) throw new Error(`two experiments are named "${e.name}"`);
      map.set(e.name, e);
    }
    this.byName = map;
  }

  list(): { name: string; title: string; description: string; notes: readonly string[]; lastRun?: ExperimentRun }[] {
    return [...this.byName.values()].map((e) => {
      const lastRun = this.runs.find((r) => r.experiment === e.name);
      return { name: e.name, title: e.title, description: e.description, notes: e.notes, ...(lastRun ? { lastRun } : {}) };
    });
  }

  run(id: string): ExperimentRun | undefined {
    return this.runs.find((r) => r.id === id);
  }

  /** Starts `name` and returns its run at once; throws {@link ExperimentRefused} for an unknown name or while another runs. */
  start(name: string, by: string): ExperimentRun {
    if (this.closing) throw new ExperimentRefused(409, 'the console is closing');
    const experiment = this.byName.get(name);
    if (!experiment) throw new ExperimentRefused(404, `no experiment named "${name}" (experiments: ${[...this.byName.keys()].join(', ')})`);
    if (this.current)
      throw new ExperimentRefused(
        409,
        `"${this.current.run.experiment}" is running (run ${this.current.run.id}); one experiment at a time`,
      );
    const began = Date.now();
    const run: ExperimentRun = {
      id: randomUUID(),
      experiment: name,
      by,
      startedAt: new Date(began).toISOString(),
      state: 'running',
      steps: [],
    };
    this.runs.unshift(run);
    this.runs.splice(this.keep);
    const log = this.logger.child({ component: 'experiment', experiment: name, run: run.id });
    log.info({ by }, 'experiment started');
    const done = experiment
      .run({
        signal: this.abort.signal,
        step: (text, data) => {
          run.steps.push({ atMs: Date.now() - began, text, ...(data === undefined ? {} : { data }) });
          log.info({ step: text }, 'experiment step');
        },
        chart: (chart) => {
          run.chart = chart;
        },
      })
      .then(
        (verdict) => {
          run.verdict = verdict;
          run.state = verdict.held ? 'held' : 'broken';
        },
        (e: unknown) => {
          run.error = e instanceof Error ? e.message : String(e);
          run.state = 'failed';
        },
      )
      .finally(() => {
        run.durationMs = Date.now() - began;
        log.info({ state: run.state, durationMs: run.durationMs, summary: run.verdict?.summary, error: run.error }, 'experiment ended');
        this.current = undefined;
      });
    this.current = { run, done };
    return run;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.abort.abort();
      await this.current?.done;
    })();
    return this.closing;
  }
}
