/**
 * Decides whether a failed operation is tried again and after how long, as
 * Curator's RetryPolicy: `retryCount` counts retries already made (0 for the
 * first failure), `elapsedMs` the time since the first try.
 */
export interface RetryPolicy {
  /** Delay before the next try, or `undefined` to give up. */
  nextDelayMs(retryCount: number, elapsedMs: number): number | undefined;
}

/** Exponential backoff with jitter, bounded in delay and in count. */
export class ExponentialBackoffRetry implements RetryPolicy {
  constructor(
    readonly baseSleepMs = 100,
    readonly maxRetries = 10,
    readonly maxSleepMs = 2000,
    private readonly random: () => number = Math.random,
  ) {
    if (baseSleepMs <= 0 || maxRetries < 0 || maxSleepMs < baseSleepMs) {
      throw new Error(`ExponentialBackoffRetry: need baseSleepMs > 0, maxRetries >= 0, maxSleepMs >= baseSleepMs`);
    }
  }

  nextDelayMs(retryCount: number): number | undefined {
    if (retryCount >= this.maxRetries) return undefined;
    // Like Curator: base * random(1 .. 2^(n+1)), capped.
    const factor = 1 + Math.floor(this.random() * 2 ** Math.min(retryCount + 1, 29));
    return Math.min(this.baseSleepMs * factor, this.maxSleepMs);
  }
}

/** A fixed number of retries with a fixed delay. */
export class RetryNTimes implements RetryPolicy {
  constructor(
    readonly n: number,
    readonly sleepMs: number,
  ) {}

  nextDelayMs(retryCount: number): number | undefined {
    return retryCount < this.n ? this.sleepMs : undefined;
  }
}

/** Retries with a fixed delay until a total time has elapsed. */
export class RetryUntilElapsed implements RetryPolicy {
  constructor(
    readonly maxElapsedMs: number,
    readonly sleepMs: number,
  ) {}

  nextDelayMs(_retryCount: number, elapsedMs: number): number | undefined {
    return elapsedMs + this.sleepMs <= this.maxElapsedMs ? this.sleepMs : undefined;
  }
}

/** Never retries. */
export const NO_RETRY: RetryPolicy = { nextDelayMs: () => undefined };
