import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { httpAllowed, localHttpPublicKeys, METRICS_ROUTE, OPEN_ROUTES, SERVICE_TOKEN_HEADER } from '@dsp/contracts';
import type { JsonLogger } from '../logging/json-logger';
import type { MetricsRegistry } from '../metrics/metrics-registry';
import { errorBody } from './error-mapper';
import { ServiceTokenError, ServiceTokenVerifier } from './service-token';

/**
 * Which requests need a service token:
 * - `every-route`: all but {@link OPEN_ROUTES} (a service behind the gateway);
 * - `internal-only`: only `/internal/*`, which then answers 404 without a
 *   valid token of a caller with the right, as if it did not exist (the
 *   gateway: the public edge).
 */
export type ServiceAuthMode = 'every-route' | 'internal-only';

const callers = new WeakMap<IncomingMessage, string>();

/** The service that sent this request, proved by its token; undefined for an open route or the gateway's public ones. */
export function serviceCallerOf(req: FastifyRequest): string | undefined {
  return callers.get(req.raw);
}

/**
 * The path the router matched (its pattern, e.g. `/internal/users/:id`), so a
 * percent-encoded (`/%69nternal/...`) or absolute-form (`GET http://h/internal/...`)
 * target is judged by the route it reaches; for a request no route matches,
 * the decoded path without origin and query.
 */
function routedPath(req: FastifyRequest): string {
  const matched = req.routeOptions.url;
  if (matched !== undefined) return matched;
  let raw = req.url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(raw);
  if (scheme) raw = raw.slice(scheme[0].length) || '/';
  const q = raw.search(/[?#]/);
  if (q >= 0) raw = raw.slice(0, q);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Guards a service's routes (ADR 0012): a request without a valid service
 * token for this service is 401, one whose caller has no right to the route
 * (`HTTP_RIGHTS`) is 403, each with the reason, before any handler runs. The
 * caller is then available to handlers through {@link serviceCallerOf}.
 */
export function installServiceAuth(
  fastify: FastifyInstance,
  self: string,
  mode: ServiceAuthMode,
  logger: JsonLogger,
  metrics: MetricsRegistry,
  verifier = new ServiceTokenVerifier(self, localHttpPublicKeys()),
): void {
  const refused = metrics.counter(
    'http_service_auth_refused_total',
    'Requests refused for a missing, invalid or unauthorised service token.',
    ['reason'],
  );
  fastify.addHook('onRequest', async (req, reply) => {
    const path = routedPath(req);
    // The metrics route checks its own identities (metrics-auth.ts), not service tokens.
    if (OPEN_ROUTES.includes(path) || path === METRICS_ROUTE) return;
    if (mode === 'internal-only' && !(path === '/internal' || path.startsWith('/internal/'))) return;
    const header = req.headers[SERVICE_TOKEN_HEADER];
    let caller: string;
    try {
      caller = verifier.verify(typeof header === 'string' ? header : undefined).iss;
    } catch (e) {
      if (!(e instanceof ServiceTokenError)) throw e;
      refused.inc({ reason: 'token' });
      logger.warn({ reqId: req.id, method: req.method, path, peer: req.socket.remoteAddress, err: e.message }, 'service token refused');
      if (mode === 'internal-only') return reply.code(404).send(errorBody(404, `Route ${req.method}:${path} not found`));
      return reply.code(401).send(errorBody(401, `${e.message} (header ${SERVICE_TOKEN_HEADER}; docs/security.md)`));
    }
    if (!httpAllowed(self, caller, req.method, path)) {
      refused.inc({ reason: 'right' });
      logger.warn({ reqId: req.id, method: req.method, path, caller }, 'service call not allowed');
      if (mode === 'internal-only') return reply.code(404).send(errorBody(404, `Route ${req.method}:${path} not found`));
      return reply.code(403).send(errorBody(403, `${caller} may not call ${req.method} ${path} on ${self}`));
    }
    callers.set(req.raw, caller);
    return undefined;
  });
}
