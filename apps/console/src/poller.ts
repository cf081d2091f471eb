import type { Probe } from './probes/probe';

/** What the console knows of one probe: its last good read, or why the last read failed. */
export interface PanelSnapshot<T = unknown> {
  readonly name: string;
  /** `ok`: `data` is the last read; `failing`: the last read failed (`error`), `data` is the one before it, if any; `pending`: no read has finished yet. */
  readonly status: 'ok' | 'failing' | 'pending';
  readonly data?: T;
  readonly error?: string;
  /** When the last read finished (ISO time), and how long it took. */
  readonly at?: string;
  readonly durationMs?: number;
  /** Reads made since the console started: what the servers paid, however many browsers looked. */
  readonly reads: number;
  readonly intervalMs: number;
  readonly cost: string;
}

type PollerState = 'LATENT' | 'STARTED' | 'CLOSED';

/** How long `close` waits for reads in flight before it closes the probes under them. */
const CLOSE_WAIT_MS = 2000;

/** How long one read may take before its panel shows it as failing: 5 intervals, within 3-10 s. */
export function readDeadlineMs(intervalMs: number): number {
  return Math.min(10_000, Math.max(3000, 5 * intervalMs));
}

/**
 * Reads each probe on its own timer and keeps the last answer.
 *
 * Guarantees: at most one read per probe is in flight, and a new read starts
 * only `intervalMs` after the previous one finished, so the load on each server
 * is bounded by its probe's interval however many browsers poll the console
 * (browsers read {@link snapshot}, which never touches a server). A probe that
 * throws keeps its last good data, marked `failing` with the reason; so does one
 * that has not answered within {@link readDeadlineMs}. `start`
 * runs once; `close` stops every timer, waits for reads in flight, closes every
 * probe, and is safe to call twice.
 */
export class Poller {
  private state: PollerState = 'LATENT';
  private readonly panels = new Map<string, { snapshot: PanelSnapshot; timer?: NodeJS.Timeout; inFlight?: Promise<void> }>();
  private closing?: Promise<void>;

  constructor(private readonly probes: readonly Probe[]) {
    const names = new Set<string>();
    for (const p of probes) {
      if (names.has(p.name)) throw new Error(`two probes are named "${p.name}": each panel needs its own name`);
      names.add(p.name);
      this.panels.set(p.name, { snapshot: { name: p.name, status: 'pending', reads: 0, intervalMs: p.intervalMs, cost: p.cost } });
    }
  }

  /** Starts every probe's first read now. Throws if called twice or after close. */
  start(): void {
    if (this.state !== 'LATENT') throw new Error(`the poller was already ${this.state === 'STARTED' ? 'started' : 'closed'}`);
    this.state = 'STARTED';
    for (const probe of this.probes) this.read(probe);
  }

  /** Every panel's latest snapshot, in probe order; never waits for a server. */
  snapshot(): PanelSnapshot[] {
    return this.probes.map((p) => this.panel(p.name).snapshot);
  }

  /** One panel's latest snapshot, or undefined for an unknown name. */
  panelSnapshot(name: string): PanelSnapshot | undefined {
    return this.panels.get(name)?.snapshot;
  }

  /**
   * Resolves once every probe has finished at least `n` more reads than now
   * (for tests and for `npm start`'s "console ready" line); rejects after `timeoutMs`.
   */
  async settled(n = 1, timeoutMs = 15_000): Promise<void> {
    const target = new Map(this.probes.map((p) => [p.name, this.panel(p.name).snapshot.reads + n]));
    const deadline = Date.now() + timeoutMs;
    while (this.probes.some((p) => this.panel(p.name).snapshot.reads < (target.get(p.name) ?? 0))) {
      if (this.state === 'CLOSED') throw new Error('the poller closed');
      if (Date.now() > deadline) {
        const late = this.probes.filter((p) => this.panel(p.name).snapshot.reads < (target.get(p.name) ?? 0)).map((p) => p.name);
        throw new Error(`probes ${late.join(', ')} did not finish a read within ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): Promise<void> {
    // Waits at most CLOSE_WAIT_MS for reads in flight, then closes every probe.
    this.closing ??= (async () => {
      this.state = 'CLOSED';
      for (const p of this.panels.values()) clearTimeout(p.timer);
      // Reads in flight get a moment to finish; closing the probes ends any that hang on a silent server.
      await Promise.race([
        Promise.all([...this.panels.values()].map((p) => p.inFlight)),
        new Promise((r) => setTimeout(r, CLOSE_WAIT_MS).unref()),
      ]);
      await Promise.all(this.probes.map((p) => p.close().catch(() => undefined)));
    })();
    return this.closing;
  }

  private panel(name: string) {
    const p = this.panels.get(name);
    if (!p) throw new Error(`no probe named "${name}"`);
    return p;
  }

  private read(probe: Probe): void {
    if (this.state !== 'STARTED') return;
    const panel = this.panel(probe.name);
    const began = Date.now();
    // A server that holds its connection open and never answers (frozen, cut off) must not leave the panel
    // "ok" with old data: past the deadline the panel says so, and the next read waits for this one.
    const deadlineMs = readDeadlineMs(probe.intervalMs);
    const overdue = setTimeout(() => {
      const { data } = panel.snapshot;
      panel.snapshot = {
        ...this.base(panel.snapshot, began),
        reads: panel.snapshot.reads,
        status: 'failing',
        error: `no answer within ${deadlineMs} ms (the server holds the connection but does not answer)`,
        data,
      };
    }, deadlineMs);
    panel.inFlight = probe.collect().then(
      (data) => {
        panel.snapshot = { ...this.base(panel.snapshot, began), status: 'ok', data };
      },
      (e: unknown) => {
        const { data } = panel.snapshot;
        panel.snapshot = {
          ...this.base(panel.snapshot, began),
          status: 'failing',
          error: e instanceof Error ? e.message : String(e),
          data,
        };
      },
    );
    void panel.inFlight.then(() => {
      clearTimeout(overdue);
      panel.inFlight = undefined;
      if (this.state === 'STARTED') panel.timer = setTimeout(() => this.read(probe), probe.intervalMs);
    });
  }

  private base(prev: PanelSnapshot, began: number): PanelSnapshot {
    return {
      name: prev.name,
      status: prev.status,
      reads: prev.reads + 1,
      intervalMs: prev.intervalMs,
      cost: prev.cost,
      at: new Date().toISOString(),
      durationMs: Date.now() - began,
    };
  }
}
