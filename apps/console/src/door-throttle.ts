export interface DoorThrottleOptions {
  /** Refused credentials one address may send per window before every request of it gets a 429. @default 20 */
  failures?: number;
  /** The window, in ms. @default 60000 */
  windowMs?: number;
  /** Addresses tracked at once; past this the oldest unblocked window is forgotten first (the oldest of all when every one is blocked). @default 10000 */
  maxAddresses?: number;
  now?: () => number;
}

/**
 * Bounds password guessing at the console's door: it counts the refused
 * credentials of each client address in a fixed window, and once an address
 * spent its `failures` it is turned away (429 with `Retry-After`) until the
 * window ends, before its credentials are even compared, so a right guess made
 * while blocked is not told apart from a wrong one. A success does not reset
 * the count (a guesser holding one identity cannot wash its failures out).
 * In memory, per console process: the console runs as one instance.
 */
export class DoorThrottle {
  private readonly windows = new Map<string, { startedAt: number; failures: number }>();
  private readonly failures: number;
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(options: DoorThrottleOptions = {}) {
    this.failures = options.failures ?? 20;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds until `ip` may knock again, or 0 when it may now. */
  blockedForMs(ip: string): number {
    const w = this.current(ip);
    return w && w.failures >= this.failures ? w.startedAt + this.windowMs - this.now() : 0;
  }

  /** Counts one refused credential of `ip`. */
  refused(ip: string): void {
    const w = this.current(ip);
    if (w) {
      w.failures += 1;
      return;
    }
    if (this.windows.size >= this.maxAddresses) {
      // Forget the oldest address that is not blocked, so a flood of fresh addresses cannot wash a block out.
      let forget: string | undefined;
      for (const [addr, w] of this.windows) {
        forget ??= addr;
        if (w.failures < this.failures) {
          forget = addr;
          break;
        }
      }
      if (forget !== undefined) this.windows.delete(forget);
    }
    this.windows.set(ip, { startedAt: this.now(), failures: 1 });
  }

  private current(ip: string): { startedAt: number; failures: number } | undefined {
    const w = this.windows.get(ip);
    if (w && this.now() - w.startedAt >= this.windowMs) {
      this.windows.delete(ip);
      return undefined;
    }
    return w;
  }
}
