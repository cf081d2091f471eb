/** Redis could not be reached (connection closed, reconnects exhausted). Maps to HTTP 503. */
export class RedisUnavailableError extends Error {
  constructor(cause: string) {
    super(`Redis unavailable: ${cause}`);
  }
}

/**
 * Runs one Redis call. Redis' own answers (`ReplyError`: a bad script, a wrong
 * type) are bugs and pass through; any other failure means Redis is not
 * reachable and becomes {@link RedisUnavailableError}.
 */
export async function redisCall<T>(op: Promise<T>): Promise<T> {
  try {
    return await op;
  } catch (e) {
    if (e instanceof RedisUnavailableError || (e as Error).name === 'ReplyError') throw e;
    throw new RedisUnavailableError((e as Error).message);
  }
}
