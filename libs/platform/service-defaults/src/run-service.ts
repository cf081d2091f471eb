import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ErrorObject } from 'ajv';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { ConfigError } from './config/config-error';
import { loadConfig, type ServiceConfig } from './config/load-config';
import { HealthRegistry } from './health/health-registry';
import {
  HTTP_IDENTITIES,
  localHttpPublicKeys,
  METRICS_ROUTE,
  TRACE_IDENTITIES,
  traceAuthorization,
  type HttpIdentity,
  type TraceIdentity,
} from '@dsp/contracts';
import { activeTraceId, nameServerSpan, Tracing, tracingDisabled, type TracingHandle } from '@dsp/telemetry';
import { AdmissionGate } from './http/admission-gate';
import { installAdmission } from './http/admission';
import { errorBody } from './http/error-mapper';
import { metricsGuard, metricsReaders } from './http/metrics-auth';
import { installServiceAuth, type ServiceAuthMode } from './http/service-auth';
import { ServiceTokenSigner, ServiceTokenVerifier } from './http/service-token';
import { describeSchemaError } from './http/json-body.pipe';
import { jsonDepth, JsonTooDeepError } from './http/json-depth';
import { createJsonLogger, type JsonLogger } from './logging/json-logger';
import { NestLoggerAdapter } from './logging/nest-logger.adapter';
import { MetricsRegistry } from './metrics/metrics-registry';
import type { ListenAddress, ServiceContext } from './service-context';
import { ServiceDefaultsModule } from './service-defaults.module';

/** Exit code for a configuration error (EX_CONFIG from sysexits.h). */
export const EXIT_CONFIG = 78;

export interface RunServiceOptions<S extends z.ZodObject> {
  name: string;
  /** The service's own environment variables (the base ones are added). */
  configSchema: S;
  /** Variables with development-only defaults that production must set. */
  secrets?: readonly (keyof z.infer<S> & string)[];
  /** Builds the service's root module from the validated context. */
  module: (ctx: ServiceContext<ServiceConfig<S>>) => Type<unknown> | DynamicModule;
  env?: NodeJS.ProcessEnv;
  /**
   * The service owns the process: graceful shutdown on SIGTERM/SIGINT (also
   * during boot), and unhandled rejections / uncaught exceptions logged as
   * JSON before exit 1 (default true; in-process tests turn it off).
   */
  handleSignals?: boolean;
  /**
   * Which routes need a service token from an allowed caller (ADR 0012):
   * `every-route` but `/health/*` and `/metrics` (which admits `METRICS_IDENTITIES`; default: a service behind
   * the gateway), or `internal-only` (the gateway, which is the public edge).
   */
  serviceAuth?: ServiceAuthMode;
}

export interface RunningService<S extends z.ZodObject> {
  app: NestFastifyApplication;
  ctx: ServiceContext<ServiceConfig<S>>;
  /** The URL the service listens on, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** Graceful stop: drain, stop accepting, finish in-flight requests, close dependencies. Safe to call twice. */
  stop(reason?: string): Promise<void>;
}

/**
 * Boots a service the same way everywhere (eShop's `serviceDefaults`): validated
 * config, JSON logs with request ids, `/health/live`, `/health/ready`,
 * `/metrics`, and a graceful shutdown on SIGTERM.
 */
export async function runService<S extends z.ZodObject>(opts: RunServiceOptions<S>): Promise<RunningService<S>> {
  const config = loadConfig({ service: opts.name, schema: opts.configSchema, secrets: opts.secrets, env: opts.env });
  const logger = createJsonLogger({ service: opts.name, instanceId: config.INSTANCE_ID, level: config.LOG_LEVEL });
  // Signals are handled from here on: a SIGTERM during boot (an orchestrator
  // that changed its mind) waits for the boot to finish (bounded by
  // SHUTDOWN_TIMEOUT_MS), then shuts down gracefully, instead of killing the
  // process with its sessions and registrations half made.
  const booting = boot(opts, config, logger);
  if (opts.handleSignals !== false) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        logger.info({ signal }, 'signal received');
        const bootTimeout = new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`still booting after ${config.SHUTDOWN_TIMEOUT_MS} ms`)), config.SHUTDOWN_TIMEOUT_MS).unref(),
        );
        void Promise.race([booting, bootTimeout])
          .then((svc) => svc.stop(signal))
          .then(
            () => 0,
            (e: unknown) => {
              logger.error({ signal, err: (e as Error).message }, 'no graceful shutdown');
              return 1;
            },
          )
          .then((code) => {
            logger.flush();
            process.exit(code);
          });
      });
    }
    // A promise nobody handles or an exception nobody catches is a bug: say
    // which, as a JSON line like every other, before the process dies of it.
    process.on('unhandledRejection', (reason) => die(logger, 'unhandled promise rejection', reason));
    process.on('uncaughtException', (err) => die(logger, 'uncaught exception', err));
  }
  return booting;
}

function die(logger: JsonLogger, what: string, err: unknown): never {
  logger.fatal({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, what);
  logger.flush();
  process.exit(1);
}

async function boot<S extends z.ZodObject>(
  opts: RunServiceOptions<S>,
  config: ServiceConfig<S>,
  logger: JsonLogger,
): Promise<RunningService<S>> {
  // A service whose routes are public is where requests enter, and where they are sampled.
  const tracing = startTracing(opts.name, config, logger, opts.env ?? process.env, (opts.serviceAuth ?? 'every-route') !== 'every-route');
  const health = new HealthRegistry(config.READINESS_TIMEOUT_MS);
  const metrics = new MetricsRegistry(opts.name, config.INSTANCE_ID);
  const drainHooks: (() => Promise<void>)[] = [];
  const listenHooks: ((a: ListenAddress) => Promise<void>)[] = [];
  const key = config.HTTP_PRIVATE_KEY ?? (HTTP_IDENTITIES as Record<string, HttpIdentity | undefined>)[opts.name]?.privateKey;
  const trusted = config.HTTP_PUBLIC_KEYS ?? localHttpPublicKeys();
  const signer = key === undefined ? undefined : new ServiceTokenSigner(opts.name, key);
  if (signer && !(trusted[opts.name] ?? []).includes(signer.publicKey))
    throw new ConfigError(opts.name, [
      {
        variable: 'HTTP_PRIVATE_KEY',
        problem: `its public key ${signer.publicKey} is not among HTTP_PUBLIC_KEYS["${opts.name}"]: every call it signs would be refused`,
      },
    ]);
  const ctx: ServiceContext<ServiceConfig<S>> = {
    config,
    logger,
    health,
    metrics,
    serviceTokens: signer,
    onDrain: (h) => void drainHooks.push(h),
    onListen: (h) => void listenHooks.push(h),
  };

  @Module({ imports: [ServiceDefaultsModule.forRoot(ctx), opts.module(ctx)] })
  class ServiceRootModule {}

  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    // Reject unknown body fields and wrong types with a 400 instead of silently dropping or coercing them.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    schemaErrorFormatter: (errors) => new Error(describeSchemaError(errors[0] as ErrorObject | undefined)),
    // A request Node cannot parse (headers over 16 KiB, a malformed request line) still gets the error JSON.
    clientErrorHandler: answerClientError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(ServiceRootModule, adapter, {
    logger: new NestLoggerAdapter(logger),
    abortOnError: false,
    // JSON only, through installJsonParser (depth-checked); no form bodies.
    bodyParser: false,
  });
  installJsonParser(app.getHttpAdapter().getInstance(), config.JSON_MAX_DEPTH);
  installServiceAuth(
    app.getHttpAdapter().getInstance(),
    opts.name,
    opts.serviceAuth ?? 'every-route',
    logger,
    metrics,
    new ServiceTokenVerifier(opts.name, trusted),
  );
  installDefaultRoutes(app.getHttpAdapter().getInstance(), ctx);
  installAdmission(
    app.getHttpAdapter().getInstance(),
    new AdmissionGate({ maxInFlight: config.MAX_IN_FLIGHT, maxQueueMs: config.MAX_QUEUE_MS }),
    logger,
    metrics,
  );
  await app.listen({ port: config.PORT, host: config.HOST });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.PORT;
  const advertised = config.ADVERTISE_HOST ?? config.HOST;
  const url = `http://${advertised.includes(':') ? `[${advertised}]` : advertised}:${port}`;
  logger.info({ url, port, listen: config.HOST, zone: config.ZONE, pid: process.pid }, 'listening');
  for (const hook of listenHooks) {
    await hook({ host: advertised, port, url }).catch((e: unknown) => logger.error({ err: (e as Error).message }, 'listen hook failed'));
  }

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop'): Promise<void> => {
    stopping ??= (async () => {
      const t0 = Date.now();
      logger.info({ reason }, 'shutting down: draining');
      health.startDraining();
      for (const hook of drainHooks) {
        await hook().catch((e: unknown) => logger.warn({ err: e }, 'drain hook failed'));
      }
      // Still serving: requests routed from caches that have not seen the deregistration yet are answered.
      if (config.DRAIN_DELAY_MS > 0) await new Promise((r) => setTimeout(r, config.DRAIN_DELAY_MS));
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), config.SHUTDOWN_TIMEOUT_MS).unref());
      const closed = await Promise.race([app.close().then(() => 'closed' as const), timeout]);
      // The spans of the last requests go out before the process does.
      await tracing.close().catch((e: unknown) => logger.warn({ err: (e as Error).message }, 'trace export at shutdown failed'));
      logger.info({ reason, result: closed, ms: Date.now() - t0 }, 'shut down');
      logger.flush();
    })();
    return stopping;
  };

  return { app, ctx, url, port, stop };
}

/**
 * JSON bodies are measured before they are parsed: nesting deeper than
 * `maxDepth` is a 400 (a deep body would otherwise reach JSON.stringify or a
 * validator and overflow the stack: a 500). Parsing is fastify's own (prototype
 * poisoning refused).
 */
function installJsonParser(fastify: FastifyInstance, maxDepth: number): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (jsonDepth(body as string, maxDepth) > maxDepth) {
      done(new JsonTooDeepError(maxDepth), undefined);
      return;
    }
    parse(req, body as string, done);
  });
}

/** Answers a request Node's parser refused with `{statusCode, error, message}`, then closes the connection. */
function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const message =
    status === 431
      ? 'request headers are too large (more than 16 KiB)'
      : status === 408
        ? 'request not received in time'
        : `malformed HTTP request (${err.code ?? err.message})`;
  const body = JSON.stringify(errorBody(status, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * The process's tracing from the base settings (docs/telemetry.md): reports as
 * TRACING_USER (default: the service's own identity in `TRACE_IDENTITIES`), or
 * only propagates context when TRACING_URL is `off`.
 */
function startTracing(
  service: string,
  config: ServiceConfig<z.ZodObject>,
  logger: JsonLogger,
  env: NodeJS.ProcessEnv,
  edge: boolean,
): TracingHandle {
  if (tracingDisabled(env)) {
    logger.info({ disabled: 'OTEL_SDK_DISABLED=true' }, 'tracing');
    return Tracing.start({ service, instanceId: config.INSTANCE_ID, sampleRatio: 0, disabled: true });
  }
  const url = config.TRACING_URL === 'off' ? undefined : config.TRACING_URL;
  let authorization: string | undefined;
  if (url !== undefined) {
    const own = (TRACE_IDENTITIES as Record<string, TraceIdentity | undefined>)[service];
    const user = config.TRACING_USER ?? own?.user ?? service;
    const password = config.TRACING_PASSWORD ?? (own?.user === user ? own.password : undefined);
    if (password === undefined)
      throw new ConfigError(service, [
        {
          variable: 'TRACING_PASSWORD',
          problem: `is required: "${user}" has no local default (TRACE_IDENTITIES in contracts), or set TRACING_URL=off`,
        },
      ]);
    authorization = traceAuthorization({ user, password });
  }
  const diagnostics = logger.child({ component: 'tracing' });
  const handle = Tracing.start({
    service,
    instanceId: config.INSTANCE_ID,
    sampleRatio: config.TRACING_SAMPLE_RATIO,
    edge,
    url,
    authorization,
    disabled: false,
    diagnostics: {
      error: (msg) => diagnostics.warn(msg),
      warn: (msg) => diagnostics.warn(msg),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
  });
  logger.info({ sampleRatio: config.TRACING_SAMPLE_RATIO, edge, collector: url ?? 'off', owner: handle.owner }, 'tracing');
  return handle;
}

function installDefaultRoutes(fastify: FastifyInstance, ctx: ServiceContext): void {
  const { logger, metrics, health } = ctx;
  fastify.addHook('onRequest', async (req, reply) => {
    void reply.header('x-request-id', req.id);
    nameServerSpan(req.method, req.routeOptions.url ?? '(unmatched)');
  });
  // One access-log line per request: what a reader greps for with the `x-request-id` a client saw.
  fastify.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? '(unmatched)';
    metrics.observeRequest(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    const upstream = reply.getHeader('x-upstream-instance');
    logger.info(
      {
        reqId: req.id,
        method: req.method,
        route,
        url: req.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        traceId: activeTraceId(),
        ...(upstream === undefined ? {} : { upstream: String(upstream) }),
      },
      'request',
    );
  });
  fastify.get('/health/live', async () => ({ status: 'live' }));
  fastify.get('/health/ready', async (_req, reply) => {
    const report = await health.readiness();
    return reply.code(report.status === 'ready' ? 200 : 503).send(report);
  });
  const production = ctx.config.PLATFORM_PROFILE === 'production';
  const mayRead = metricsGuard(metricsReaders({ production, scraperPassword: ctx.config.METRICS_PASSWORD }));
  fastify.get(METRICS_ROUTE, async (req, reply) => {
    if (!mayRead(req, reply)) return reply;
    return reply.type(metrics.contentType()).send(await metrics.render());
  });
}

/**
 * The entry point of a service's `main.ts`: runs it, and turns a configuration
 * error into one clear message and exit code 78 instead of a stack trace.
 */
export function bootstrap<S extends z.ZodObject>(opts: RunServiceOptions<S>): void {
  runService(opts).catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    process.stderr.write(`${opts.name} failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
