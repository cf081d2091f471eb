import type { ExperimentContext } from './experiment';

/**
 * Polls `done` every `everyMs` until it is true and resolves with the
 * milliseconds that took. Rejects naming `what` once `timeoutMs` passed, or at
 * once when the console closes (the experiment then heals and ends).
 */
export async function until(
  ctx: ExperimentContext,
  done: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  everyMs = 100,
): Promise<number> {
  const began = Date.now();
  for (;;) {
    if (await done()) return Date.now() - began;
    if (ctx.signal.aborted) throw new Error(`aborted while waiting for ${what}`);
    if (Date.now() - began > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits `ms`, or less when the console closes meanwhile. */
export async function pause(ctx: ExperimentContext, ms: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    ctx.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}

/** `work`, or a rejection naming `what` as soon as the console closes (the experiment then heals and ends). */
export function abortable<T>(ctx: ExperimentContext, work: Promise<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error(`aborted while waiting for ${what}`));
    if (ctx.signal.aborted) return onAbort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => (ctx.signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (ctx.signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}
