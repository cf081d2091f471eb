/** Why a request was not admitted. */
export type ShedReason = 'queue-full' | 'queue-timeout' | 'deadline' | 'overloaded';

export type Admission = { admitted: true; release: () => void } | { admitted: false; reason: ShedReason; waitedMs: number };

/** A request waiting for a slot: settles with its admission; `cancel()` (its caller left) takes it out of the queue. */
export type PendingAdmission = Promise<Admission> & { cancel(): void };

export interface AdmissionGateOptions {
  /** Requests past the gate at once; 0 admits every request at once (no limit, no queue). */
  maxInFlight: number;
  /** Longest a request waits for a slot before it is refused. */
  maxQueueMs: number;
  /** Requests waiting at once (default `maxInFlight`; 0 when `maxQueueMs` is 0); one more is refused at once. */
  maxQueued?: number;
  /**
   * How long the overload a timed-out waiter starts lasts after the last request that found every
   * slot taken (default 1000: the `Retry-After` a refused caller is given).
   */
  overloadHoldMs?: number;
  /** The clock, in milliseconds: monotonic (`performance.now`) by default, so a wall-clock step changes nothing. */
  now?: () => number;
}

interface Waiter {
  since: number;
  grant: (a: Admission) => void;
  timer: NodeJS.Timeout;
}

/**
 * Bounds the work a process takes on, so that past saturation the requests it admits keep a bounded
 * latency and the rest are refused fast instead of every request slowing down (load shedding).
 *
 * Guarantees:
 * - at most `maxInFlight` admissions are held at once (each until its `release`, which is idempotent);
 * - a request that finds every slot taken waits in FIFO order, for at most `maxQueueMs` or its
 *   caller's remaining budget, whichever is shorter, and is then refused (`queue-timeout` or
 *   `deadline`); a request whose caller has no budget left is refused without waiting (`deadline`);
 * - when `maxQueued` requests already wait, the next is refused at once (`queue-full`);
 * - once a waiter has timed out, the gate is overloaded until `overloadHoldMs` pass without a
 *   request finding every slot taken: meanwhile such a request is refused at once (`overloaded`)
 *   instead of waiting out a queue that has proved it does not drain in time, so under sustained
 *   overload the excess gets its 503 without the wait, and a slot that frees goes to whoever asks next;
 * - a refused request was never admitted: the caller may answer it without doing any of its work;
 * - `enter` never throws and never rejects.
 *
 * So an admitted request waits at most `maxQueueMs` for its slot, and then shares the process with at
 * most `maxInFlight - 1` others.
 */
export class AdmissionGate {
  private held = 0;
  private readonly waiting: Waiter[] = [];
  private readonly maxQueued: number;
  /** When a waiter last timed out (no slot in `maxQueueMs`) or a request was last refused as `overloaded`; -Infinity: never. */
  private lastTimeoutAt = Number.NEGATIVE_INFINITY;
  private readonly overloadHoldMs: number;
  private readonly now: () => number;

  constructor(private readonly options: AdmissionGateOptions) {
    if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 0)
      throw new Error(`AdmissionGate: maxInFlight must be a whole number >= 0, got ${options.maxInFlight}`);
    // setTimeout fires at once past 2^31-1 ms, which would refuse every waiter at once.
    if (!(options.maxQueueMs >= 0 && options.maxQueueMs <= MAX_TIMER_MS))
      throw new Error(`AdmissionGate: maxQueueMs must be 0 to ${MAX_TIMER_MS}, got ${options.maxQueueMs}`);
    if (options.maxQueued !== undefined && !(Number.isInteger(options.maxQueued) && options.maxQueued >= 0))
      throw new Error(`AdmissionGate: maxQueued must be a whole number >= 0, got ${options.maxQueued}`);
    if (options.overloadHoldMs !== undefined && !(options.overloadHoldMs >= 0))
      throw new Error(`AdmissionGate: overloadHoldMs must be >= 0, got ${options.overloadHoldMs}`);
    this.maxQueued = options.maxQueueMs === 0 ? 0 : (options.maxQueued ?? options.maxInFlight);
    this.now = options.now ?? (() => performance.now());
    this.overloadHoldMs = options.overloadHoldMs ?? 1000;
  }

  /** Admissions held now. */
  get inFlight(): number {
    return this.held;
  }

  /** Requests waiting for a slot now. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Admits now (synchronously, the common case), or once a slot frees up, or refuses.
   * `budgetMs`: how long the caller still waits for the answer (its deadline), if it said.
   * A waiter that is cancelled (its caller left) leaves the queue at once, refused as `deadline`,
   * without starting an overload.
   */
  enter(budgetMs?: number): Admission | PendingAdmission {
    if (this.options.maxInFlight === 0) return { admitted: true, release: noop };
    if (budgetMs !== undefined && budgetMs <= 0) return { admitted: false, reason: 'deadline', waitedMs: 0 };
    if (this.held < this.options.maxInFlight && this.waiting.length === 0) return this.admit();
    if (this.waiting.length >= this.maxQueued) return { admitted: false, reason: 'queue-full', waitedMs: 0 };
    const now = this.now();
    if (now - this.lastTimeoutAt < this.overloadHoldMs) {
      // Still turning requests away: the overload lasts until none has been for overloadHoldMs.
      this.lastTimeoutAt = now;
      return { admitted: false, reason: 'overloaded', waitedMs: 0 };
    }
    const byDeadline = budgetMs !== undefined && budgetMs < this.options.maxQueueMs;
    const wait = byDeadline ? budgetMs : this.options.maxQueueMs;
    let cancel = noop;
    const pending = new Promise<Admission>((resolve) => {
      const since = this.now();
      const leave = (reason: ShedReason): void => {
        const i = this.waiting.indexOf(waiter);
        if (i < 0) return; // already granted or gone
        this.waiting.splice(i, 1);
        clearTimeout(waiter.timer);
        resolve({ admitted: false, reason, waitedMs: this.now() - since });
      };
      const waiter: Waiter = {
        since,
        grant: resolve,
        timer: setTimeout(() => {
          if (!byDeadline) this.lastTimeoutAt = this.now();
          leave(byDeadline ? 'deadline' : 'queue-timeout');
        }, wait),
      };
      this.waiting.push(waiter);
      cancel = () => leave('deadline');
    });
    return Object.assign(pending, { cancel: () => cancel() });
  }

  private admit(): Admission {
    this.held++;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.held--;
        this.handOn();
      },
    };
  }

  /** A freed slot goes to the longest waiter. */
  private handOn(): void {
    while (this.held < this.options.maxInFlight) {
      const next = this.waiting.shift();
      if (!next) return;
      clearTimeout(next.timer);
      next.grant(this.admit());
    }
  }
}

/** A release or cancel that has nothing left to do. */
function noop(): void {
  return undefined;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
