import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { DEADLINE_HEADER, SERVICE_TOKEN_HEADER } from '@dsp/contracts';
import type { JsonLogger } from '@dsp/service-defaults';
import type { SelectionStrategy, ServiceDiscovery, ServiceInstance } from '@dsp/zookeeper';
import { NoInstanceError, UpstreamError } from './service-client-errors';

export interface ServiceClientOptions {
  /** Whole-request deadline, in ms. @default 10000 */
  timeoutMs: number;
  /** Give up connecting to one instance after this long, in ms (then try another). @default 1000 */
  connectTimeoutMs: number;
  /** Instances tried for one request (the first plus retries). @default 2 */
  maxAttempts: number;
  /** Keep-alive sockets per instance. @default 128 */
  maxSocketsPerInstance: number;
  /**
   * Signs this service's token for each callee (sent as `x-dsp-service-token`;
   * the callee refuses a call without one, ADR 0012). The services pass
   * `ctx.serviceTokens`. @default undefined (no token)
   */
  tokens?: { tokenFor(audience: string): string } | undefined;
}

export const DEFAULT_SERVICE_CLIENT_OPTIONS: ServiceClientOptions = {
  timeoutMs: 10_000,
  connectTimeoutMs: 1000,
  maxAttempts: 2,
  maxSocketsPerInstance: 128,
};

export interface ServiceRequest {
  method: string;
  /** Path with query string, e.g. `/api/users/me?x=1`. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Safe to send twice (GET/HEAD, or carries an Idempotency-Key). Defaults from the method. */
  idempotent?: boolean;
  /** Affinity key for the consistent-hash strategy. */
  key?: string;
}

export interface ServiceResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The instance that answered. */
  instance: ServiceInstance;
  attempts: number;
}

type FailureKind = 'connect' | 'in-flight' | 'timeout';

class AttemptError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/**
 * HTTP to another service through ZooKeeper discovery, never a fixed address
 * (docs/notes.md#n30). Each request picks an instance from the discovery cache with
 * the current strategy and counts itself in flight (least-outstanding).
 *
 * Failure handling:
 * - A connection that could not be opened (refused, unreachable, connect
 *   timeout) never delivered the request: it is retried on another instance
 *   whatever the method.
 * - A connection that broke after the request was sent is retried on another
 *   instance only for idempotent requests (GET/HEAD, or an `Idempotency-Key`).
 * - Each such failure is reported to discovery, which ejects an instance after
 *   repeated failures; an answer (any status) counts as success.
 * - No instance -> {@link NoInstanceError}; all attempts failed -> {@link UpstreamError}.
 */
export class ServiceClient {
  private readonly options: ServiceClientOptions;
  private readonly agent: Agent;

  constructor(
    private readonly discovery: ServiceDiscovery,
    private readonly strategy: () => SelectionStrategy,
    private readonly logger: JsonLogger,
    options: Partial<ServiceClientOptions> = {},
  ) {
    this.options = { ...DEFAULT_SERVICE_CLIENT_OPTIONS, ...options };
    if (this.options.maxAttempts < 1) throw new Error('ServiceClient: maxAttempts must be >= 1');
    this.agent = new Agent({ keepAlive: true, maxSockets: this.options.maxSocketsPerInstance });
  }

  async request(service: string, req: ServiceRequest): Promise<ServiceResponse> {
    const idempotent = req.idempotent ?? ['GET', 'HEAD', 'OPTIONS'].includes(req.method.toUpperCase());
    const tried = new Set<string>();
    const failures: { instance: string; error: string }[] = [];
    const deadline = Date.now() + this.options.timeoutMs;
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      const instance = this.discovery.select(service, this.strategy(), req.key, tried);
      if (this.options.tokens && attempt === 1)
        req = { ...req, headers: { ...req.headers, [SERVICE_TOKEN_HEADER]: this.options.tokens.tokenFor(service) } };
      if (!instance) {
        if (failures.length === 0) throw new NoInstanceError(service);
        break;
      }
      tried.add(instance.id);
      const done = this.discovery.track(instance);
      try {
        const res = await this.once(instance, req, deadline);
        this.discovery.reportSuccess(instance);
        return { ...res, instance, attempts: attempt };
      } catch (e) {
        const err = e as AttemptError;
        failures.push({ instance: instance.id, error: err.message });
        this.discovery.reportFailure(instance);
        const retryable = err.kind === 'connect' || (err.kind === 'in-flight' && idempotent);
        this.logger.warn(
          { component: 'service-client', service, instance: instance.id, kind: err.kind, err: err.message, attempt, retry: retryable },
          'request to instance failed',
        );
        if (!retryable || Date.now() >= deadline) break;
      } finally {
        done();
      }
    }
    const timedOut = failures.some((f) => f.error.startsWith('timeout'));
    throw new UpstreamError(service, timedOut ? 504 : 502, failures);
  }

  private once(instance: ServiceInstance, req: ServiceRequest, deadline: number): Promise<Omit<ServiceResponse, 'instance' | 'attempts'>> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
      const r = httpRequest({
        host: instance.address,
        port: instance.port,
        method: req.method,
        path: req.path,
        headers,
        agent: this.agent,
      });
      let connected = false;
      const remaining = Math.max(1, deadline - Date.now());
      const connectTimer = setTimeout(
        () => {
          if (!connected) r.destroy(new AttemptError('connect', `connect timeout after ${this.options.connectTimeoutMs} ms`));
        },
        Math.min(this.options.connectTimeoutMs, remaining),
      );
      const deadlineTimer = setTimeout(
        () => r.destroy(new AttemptError('timeout', `timeout after ${this.options.timeoutMs} ms`)),
        remaining,
      );
      const clear = (): void => {
        clearTimeout(connectTimer);
        clearTimeout(deadlineTimer);
      };
      r.on('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
        // The headers go out only now, once the agent has handed over a socket, so the deadline the callee's
        // admission gate honours is what is left of this attempt after any wait in the agent's queue.
        r.setHeader(DEADLINE_HEADER, Math.max(1, deadline - Date.now()));
        if (req.body !== undefined) r.write(req.body);
        r.end();
      });
      r.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clear();
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', (e) => {
          clear();
          reject(new AttemptError('in-flight', e.message));
        });
      });
      r.on('error', (e: Error & { code?: string }) => {
        clear();
        if (e instanceof AttemptError) return reject(e);
        const kind: FailureKind = !connected && e.code !== undefined && CONNECT_CODES.has(e.code) ? 'connect' : 'in-flight';
        reject(new AttemptError(kind, e.code ? `${e.code} ${e.message}` : e.message));
      });
    });
  }

  /** Closes pooled keep-alive sockets. Safe to call twice. */
  close(): void {
    this.agent.destroy();
  }
}
