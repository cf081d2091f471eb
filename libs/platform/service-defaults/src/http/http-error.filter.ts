import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JsonLogger } from '../logging/json-logger';
import { errorBody, type ErrorMapper } from './error-mapper';

/**
 * Every error leaves as `{statusCode, error, message}`: HTTP exceptions and
 * fastify's own 4xx (bad JSON 400, 413, 415) with their message, registered
 * domain errors with their status, and anything else as a 500 whose details
 * stay in the log (with the request id), never in the response.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(
    private readonly mapper: ErrorMapper,
    private readonly logger: JsonLogger,
  ) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const req = http.getRequest<FastifyRequest>();
    if (reply.sent) return;
    let status: number;
    let message: string;
    if (err instanceof HttpException) {
      status = err.getStatus();
      const r = err.getResponse();
      const m = typeof r === 'string' ? r : (r as { message?: unknown }).message;
      message = Array.isArray(m) ? m.join('; ') : String(m ?? err.message);
      if (status === 415) message = unsupportedMediaType(req);
    } else if (this.mapper.statusOf(err) !== undefined) {
      status = this.mapper.statusOf(err) as number;
      message = (err as Error).message;
    } else {
      const code = (err as { statusCode?: unknown }).statusCode;
      // 4xx from fastify or a validator, and the gateway-style 502/503/504 an error declares (no instance, upstream failed).
      if (typeof code === 'number' && ((code >= 400 && code < 500) || code === 502 || code === 503 || code === 504)) {
        status = code;
        message = (err as Error).message;
        if (status === 415) message = unsupportedMediaType(req);
      } else {
        status = 500;
        message = `unexpected error (request ${String(req?.id ?? '-')})`;
        this.logger.error({ reqId: req?.id, err: (err as Error)?.stack ?? String(err) }, 'unhandled error');
      }
    }
    if (status >= 500 && status !== 500) this.logger.warn({ reqId: req?.id, status, err: message }, 'dependency error');
    // A throttling error says when to come back (429 / 503 with Retry-After).
    const retryAfter = (err as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if (typeof retryAfter === 'number' && (status === 429 || status === 503))
      void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
    void reply.code(status).send(errorBody(status, message));
  }
}

function unsupportedMediaType(req: FastifyRequest | undefined): string {
  return `content type ${String(req?.headers['content-type'] ?? '(none)')} is not supported; send application/json`;
}
