import { hostname } from 'node:os';
import { z } from 'zod';

/** A TCP port; 0 means "any free port" where a schema allows it. */
export const port = (opts: { allowZero?: boolean } = {}) =>
  z.coerce
    .number({ error: 'expected a port number' })
    .int('expected a whole number')
    .min(opts.allowZero ? 0 : 1, opts.allowZero ? 'expected 0 (any free port) to 65535' : 'expected 1 to 65535')
    .max(65535, 'expected at most 65535');

/** A positive duration in milliseconds. */
export const millis = () =>
  z.coerce.number({ error: 'expected milliseconds' }).int().positive('expected a positive number of milliseconds');

/** `host:port`, e.g. `127.0.0.1:3307`. */
export const hostPort = () => z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:3307');

/** A comma-separated list of `host:port`. */
export const hostPortList = () =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p.length > 0),
    )
    .pipe(z.array(hostPort()).min(1, 'expected at least one host:port'));

/** Settings every service has. Names are the environment variables. */
export const BASE_ENV_SCHEMA = z.object({
  /** Listen port; 0 takes a free port (service instances announce theirs in ZooKeeper). */
  PORT: port({ allowZero: true }).default(0),
  /** Listen address; loopback by default. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * The address other services reach this instance at, announced in service
   * discovery (a container's name, when HOST is 0.0.0.0). Default: HOST;
   * required when HOST is a wildcard.
   */
  ADVERTISE_HOST: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `local` allows the development stack's default credentials; `production` demands explicit secrets. */
  PLATFORM_PROFILE: z.enum(['local', 'production']).default('local'),
  /** Unique id of this instance; defaults to `<service>-<host>-<pid>`. */
  INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, ".", "_" or "-"')
    .optional(),
  /** Availability zone label used by discovery (e.g. `local`, `remote`). */
  ZONE: z.string().min(1).default('local'),
  /**
   * After leaving service discovery on SIGTERM, keep serving this long before
   * closing the listener, so every discovery cache (watch + debounce) has
   * dropped this instance and no new request arrives at a closing server.
   */
  DRAIN_DELAY_MS: millis().default(750),
  /** How long SIGTERM waits for in-flight requests before exiting anyway. */
  SHUTDOWN_TIMEOUT_MS: millis().default(10_000),
  /** Time budget of each readiness check. */
  READINESS_TIMEOUT_MS: millis().default(2_000),
  /**
   * Requests one instance works on at once, past its admission gate (docs/overload.md); the rest
   * wait up to MAX_QUEUE_MS, then get a 503 with `Retry-After`. 0 turns the gate off. Probes and
   * `/metrics` are never gated.
   */
  MAX_IN_FLIGHT: z.coerce
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .min(0, 'expected 0 (no limit) or more')
    .default(128),
  /** Longest a request waits at the admission gate for a slot (0: refuse at once when every slot is taken). */
  MAX_QUEUE_MS: z.coerce
    .number({ error: 'expected milliseconds' })
    .int('expected whole milliseconds')
    .min(0, 'expected 0 or more milliseconds')
    .default(100),
  /** Largest accepted request body in bytes. */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  /** Deepest nesting of arrays and objects a JSON body may have (deeper: 400 before parsing). */
  JSON_MAX_DEPTH: z.coerce.number().int().min(2).max(1000).default(32),
  /**
   * This service's Ed25519 key (base64 DER PKCS#8) for the service tokens it
   * sends to other services (docs/security.md); a secret. Default: the local
   * stack's key for SERVICE_NAME (`HTTP_IDENTITIES` in contracts).
   */
  HTTP_PRIVATE_KEY: z.string().min(1).optional(),
  /**
   * The public keys service tokens may be signed with, per issuer, as JSON
   * (`{"gateway":["<base64 SPKI>",...],...}`; two keys of one service during a
   * rotation). Default: the local stack's keys (`HTTP_IDENTITIES`).
   */
  HTTP_PUBLIC_KEYS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      try {
        const parsed = z.record(z.string(), z.array(z.string().min(1)).min(1)).parse(JSON.parse(v));
        return parsed;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected JSON {"<service>": ["<base64 SPKI key>", ...]}' });
        return z.NEVER;
      }
    }),
  /**
   * Fraction of new traces recorded, 0 to 1 (docs/telemetry.md). A request that
   * arrives with a sampled `traceparent` is recorded whatever this says.
   */
  TRACING_SAMPLE_RATIO: z.coerce
    .number({ error: 'expected a number from 0 to 1' })
    .min(0, 'expected 0 to 1')
    .max(1, 'expected 0 to 1')
    .default(0.1),
  /** The trace store's base URL (Zipkin's API behind the stack's trace guard), or `off`: spans are not sent (context still propagates). */
  TRACING_URL: z
    .union([z.literal('off'), z.url({ protocol: /^https?$/, error: 'expected an http(s) URL or "off"' })])
    .default('http://127.0.0.1:9411'),
  /** Who this service reports spans as. Default: the service's name (`TRACE_IDENTITIES` in contracts). */
  TRACING_USER: z.string().min(1).optional(),
  /** Its password; a secret. Default: the local stack's, for TRACING_USER. */
  TRACING_PASSWORD: z.string().min(1).optional(),
  /**
   * The password `/metrics` admits the scraper (`prometheus`, `METRICS_IDENTITIES` in contracts) with; a
   * secret. Default: the local stack's (which also admits the operator).
   */
  METRICS_PASSWORD: z.string().min(1).optional(),
});

export type BaseEnv = z.infer<typeof BASE_ENV_SCHEMA>;

export function defaultInstanceId(service: string): string {
  return `${service}-${hostname().replace(/[^A-Za-z0-9._-]/g, '-')}-${process.pid}`;
}
