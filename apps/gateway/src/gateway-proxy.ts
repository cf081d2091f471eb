import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  CONFIG_ADMIN_ROUTES,
  PUBLIC_PREFIXES,
  PUBLIC_ROUTES,
  SERVICE_NAMES,
  SERVICE_TOKEN_HEADER,
  type HttpMethod,
  type ServiceRoute,
} from '@dsp/contracts';
import { bearerTokenMatches, type JsonLogger, type MetricsRegistry } from '@dsp/service-defaults';
import { NoInstanceError, UpstreamError, type ServiceClient } from '@dsp/service-client';
import type { LoginLimiter } from './login-limiter';

const ALL_METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

export interface GatewayProxyOptions {
  trustProxy: boolean;
  /** Bearer token of the config admin routes. */
  adminToken: string;
}

const CONFIG_APPS = new Set<string>(Object.values(SERVICE_NAMES));

/**
 * The gateway's edge routes. Each request is checked here first (method ->
 * 405, content type -> 415, size -> 413, JSON and schema -> 400 naming the
 * field; login attempts -> 429), so bad input never reaches a service, then
 * forwarded to an instance picked from the ZooKeeper discovery cache by
 * {@link ServiceClient} (retry on another instance, ejection, 503 when none).
 * `x-request-id` is propagated both ways.
 */
export class GatewayProxy {
  constructor(
    private readonly client: ServiceClient,
    private readonly limiter: LoginLimiter,
    private readonly logger: JsonLogger,
    private readonly metrics: MetricsRegistry,
    private readonly options: GatewayProxyOptions,
  ) {}

  install(fastify: FastifyInstance): void {
    // Only JSON bodies: anything else is a 415 before a handler runs.
    fastify.removeContentTypeParser(['text/plain', 'application/x-www-form-urlencoded']);
    for (const route of PUBLIC_ROUTES) {
      const allowed = Object.keys(route.methods) as HttpMethod[];
      for (const method of allowed) {
        const body = route.methods[method]?.body;
        fastify.route({
          method,
          url: route.url,
          schema: body ? { body } : undefined,
          preValidation: async (req, reply) => this.requireJson(req, reply, method, body !== undefined),
          handler: (req, reply) => this.forward(route.service, req, reply, route),
        });
      }
      const other = ALL_METHODS.filter((m) => !allowed.includes(m));
      if (other.length) {
        fastify.route({
          method: other,
          url: route.url,
          handler: async (req, reply) =>
            reply
              .code(405)
              .header('allow', allowed.join(', '))
              .send({
                statusCode: 405,
                error: 'Method Not Allowed',
                message: `${req.method} is not allowed on ${route.url}; allowed: ${allowed.join(', ')}`,
              }),
        });
      }
    }
    // Config admin: token-checked here, then served by the target app's own ConfigCenter
    // (`/internal/config`, which validates with the app's schema), reached through discovery.
    // Each documented operation with its body schema checked here; the wildcard forwards the rest
    // (the app answers 404 for a path it does not have).
    for (const route of CONFIG_ADMIN_ROUTES) {
      for (const [method, op] of Object.entries(route.methods) as [HttpMethod, { body?: object }][]) {
        fastify.route({
          method,
          url: route.url,
          schema: op.body ? { body: op.body } : undefined,
          preValidation: async (req, reply) => this.requireJson(req, reply, method, op.body !== undefined),
          handler: (req, reply) => this.configAdmin(req, reply),
        });
      }
    }
    fastify.route({ method: ALL_METHODS, url: '/api/admin/config/:app/*', handler: (req, reply) => this.configAdmin(req, reply) });
    fastify.route({
      method: ALL_METHODS.filter((m) => m !== 'GET'),
      url: '/api/admin/config/:app',
      handler: (req, reply) => this.configAdmin(req, reply),
    });
    for (const { prefix, service } of PUBLIC_PREFIXES) {
      const url = prefix.endsWith('/') ? `${prefix}*` : prefix;
      fastify.route({ method: ALL_METHODS, url, handler: (req, reply) => this.forward(service, req, reply) });
      if (!prefix.endsWith('/'))
        fastify.route({ method: ALL_METHODS, url: `${prefix}/*`, handler: (req, reply) => this.forward(service, req, reply) });
    }
  }

  private async requireJson(req: FastifyRequest, reply: FastifyReply, method: string, needsBody: boolean): Promise<void> {
    const type = req.headers['content-type'];
    if (needsBody && (type === undefined || !/^application\/json\b/i.test(type))) {
      await reply.code(415).send({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: `${method} ${req.routeOptions.url ?? ''} takes application/json, got ${type ?? 'no content type'}`,
      });
    }
  }

  private async forward(service: string, req: FastifyRequest, reply: FastifyReply, route?: ServiceRoute, path = req.url): Promise<void> {
    const ip = this.clientAddress(req);
    if (route?.login) {
      const refusal = await this.limiter.admit(ip);
      if (refusal) {
        this.count(service, 'rate-limited');
        await reply
          .code(429)
          .header('retry-after', String(Math.max(1, refusal.retryAfterSeconds)))
          .send({ statusCode: 429, error: 'Too Many Requests', message: refusal.reason });
        return;
      }
    }
    const headers = this.upstreamHeaders(req);
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const idempotent = req.method === 'GET' || req.method === 'HEAD' || headers['idempotency-key'] !== undefined;
    try {
      const res = await this.client.request(service, {
        method: req.method,
        path,
        headers,
        body,
        idempotent,
        key: typeof req.headers.cookie === 'string' ? req.headers.cookie : ip,
      });
      this.count(service, res.attempts > 1 ? 'retried' : 'ok');
      reply.code(res.status);
      copyResponseHeaders(res.headers, reply);
      void reply.header('x-upstream-instance', res.instance.id);
      await reply.send(path === req.url ? res.body : withPublicPath(res.body, path, req.url));
    } catch (e) {
      if (e instanceof NoInstanceError || e instanceof UpstreamError) {
        const status = e.statusCode;
        this.count(service, status === 503 ? 'no-instance' : 'upstream-failed');
        this.logger.warn({ reqId: req.id, service, status, err: e.message }, 'upstream unavailable');
        await reply.code(status).send({
          statusCode: status,
          error: status === 503 ? 'Service Unavailable' : status === 504 ? 'Gateway Timeout' : 'Bad Gateway',
          message: e.message,
        });
        return;
      }
      throw e;
    }
  }

  private async configAdmin(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!bearerTokenMatches(req.headers.authorization, this.options.adminToken)) {
      await reply
        .code(401)
        .send({ statusCode: 401, error: 'Unauthorized', message: 'admin token required: Authorization: Bearer <ADMIN_TOKEN>' });
      return;
    }
    const app = (req.params as { app: string }).app;
    if (!CONFIG_APPS.has(app)) {
      await reply
        .code(404)
        .send({ statusCode: 404, error: 'Not Found', message: `unknown app "${app}"; known: ${[...CONFIG_APPS].join(', ')}` });
      return;
    }
    const rest = req.url.slice(`/api/admin/config/${app}`.length);
    await this.forward(app, req, reply, undefined, `/internal/config${rest}`);
  }

  /**
   * The client's address, decided here for the login limiter and for upstream: the peer, or
   * behind a trusted proxy the hop that proxy appended (the rightmost `X-Forwarded-For` entry;
   * entries left of it are whatever the client sent).
   */
  private clientAddress(req: FastifyRequest): string {
    const prior = req.headers['x-forwarded-for'];
    const viaProxy = this.options.trustProxy && typeof prior === 'string' ? prior.split(',').pop()?.trim() : undefined;
    return viaProxy || (req.socket.remoteAddress ?? req.ip);
  }

  private upstreamHeaders(req: FastifyRequest): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      // A client's own service token is dropped: upstream, only the gateway's (added by the ServiceClient) counts.
      if (v === undefined || HOP_BY_HOP.has(k) || k.startsWith('x-forwarded-') || k === SERVICE_TOKEN_HEADER) continue;
      out[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    out['x-forwarded-for'] = this.clientAddress(req);
    out['x-forwarded-proto'] = req.protocol;
    if (req.headers.host) out['x-forwarded-host'] = req.headers.host;
    out['x-request-id'] = String(req.id);
    return out;
  }

  private count(service: string, outcome: string): void {
    this.metrics
      .counter('gateway_upstream_requests_total', 'Proxied requests by target service and outcome.', ['target', 'outcome'])
      .inc({ target: service, outcome });
  }
}

/**
 * An upstream answer to a rewritten path (`/api/admin/config/<app>/...` ->
 * `/internal/config/...`) speaks of the path the client used: a 404's
 * "Cannot GET /internal/config/x" must not tell the edge an internal route.
 */
function withPublicPath(body: Buffer, upstreamPath: string, publicPath: string): Buffer {
  const internal = upstreamPath.split('?')[0] as string;
  const text = body.toString('utf8');
  return text.includes(internal) ? Buffer.from(text.split(internal).join(publicPath.split('?')[0] as string)) : body;
}

function copyResponseHeaders(headers: IncomingHttpHeaders, reply: FastifyReply): void {
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || k === 'x-request-id') continue;
    void reply.header(k, v);
  }
}
