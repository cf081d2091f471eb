/** No live, non-ejected instance of the service is known. Maps to 503. */
export class NoInstanceError extends Error {
  readonly statusCode = 503;
  constructor(readonly service: string) {
    super(`no instance of ${service} is available`);
  }
}

/** Every attempt failed before a response arrived (or timed out). Maps to 502, or 504 for a timeout. */
export class UpstreamError extends Error {
  constructor(
    readonly service: string,
    readonly statusCode: 502 | 504,
    readonly attempts: { instance: string; error: string }[],
  ) {
    super(`${service} did not answer (${attempts.map((a) => `${a.instance}: ${a.error}`).join('; ')})`);
  }
}
