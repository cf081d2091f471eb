import { ZkError } from '../zk-error';
import type { RetryPolicy } from './retry-policy';

export interface RetryContext {
  /** Resolves when the client is connected again (or rejects when it closes). */
  waitConnected(timeoutMs: number): Promise<void>;
}

/**
 * Runs `op`; on a retryable {@link ZkError} (connection loss, timeout) waits for
 * the connection and tries again as the policy allows. Non-retryable errors
 * (NoNode, NoAuth, NodeExists, BadVersion ...) are thrown at once.
 */
export async function withRetry<T>(ctx: RetryContext, policy: RetryPolicy, op: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  for (let retry = 0; ; retry++) {
    try {
      return await op();
    } catch (e) {
      if (!(e instanceof ZkError) || !e.retryable) throw e;
      const delay = policy.nextDelayMs(retry, Date.now() - t0);
      if (delay === undefined) throw e;
      await new Promise((r) => setTimeout(r, delay));
      await ctx.waitConnected(Math.max(delay, 1000)).catch(() => undefined);
    }
  }
}
