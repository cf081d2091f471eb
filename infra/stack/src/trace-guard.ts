import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { ZIPKIN_PORT } from '@dsp/contracts';
import { decide } from './trace-guard-rights';
import { socketPath, STACK_DIR } from './topology';

/** Where the guard forwards to: Zipkin's unix socket (the native stack), or an HTTP base URL (docker-compose). */
export type TraceUpstream = { readonly socketPath: string } | { readonly host: string; readonly port: number };

export interface TraceGuardOptions {
  host: string;
  port: number;
  upstream: TraceUpstream;
}

/** The unix socket the stack's socat bridge listens on, into Zipkin's network namespace. */
export function zipkinSocketPath(): string {
  return socketPath(join(STACK_DIR, 'zipkin'), 'zipkin');
}

/** From the environment: `TRACE_GUARD_UPSTREAM=http://host:port` (else the stack's socket), `STACK_ZIPKIN_PORT`, `TRACE_GUARD_HOST`. */
export function traceGuardOptions(env: NodeJS.ProcessEnv = process.env): TraceGuardOptions {
  const raw = env['TRACE_GUARD_UPSTREAM'];
  let upstream: TraceUpstream = { socketPath: zipkinSocketPath() };
  if (raw !== undefined && raw !== '') {
    const u = new URL(raw);
    if (u.protocol !== 'http:' || u.pathname !== '/' || u.username !== '' || u.search !== '')
      throw new Error(`TRACE_GUARD_UPSTREAM must be http://host:port, got "${raw}"`);
    upstream = { host: u.hostname, port: Number(u.port || 80) };
  }
  const port = Number(env['STACK_ZIPKIN_PORT'] || ZIPKIN_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`STACK_ZIPKIN_PORT must be a port, got "${env['STACK_ZIPKIN_PORT']}"`);
  return { host: env['TRACE_GUARD_HOST'] || '127.0.0.1', port, upstream };
}

/** Request headers that describe this hop only (RFC 9110 7.6.1), and the credentials, which Zipkin must never see. */
const NOT_FORWARDED = new Set(['authorization', 'proxy-authorization', 'connection', 'keep-alive', 'proxy-connection', 'te', 'upgrade']);

function sendJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * The trace store's only door: an HTTP server that lets a request through to
 * Zipkin only with the credentials of one of `TRACE_IDENTITIES`, and only
 * what that identity's right allows (trace-guard-rights.ts). Bodies are
 * streamed both ways (span batches can be megabytes), the `Authorization`
 * header is dropped before forwarding, and an unreachable Zipkin is a 502.
 */
export function createTraceGuard(opts: Pick<TraceGuardOptions, 'upstream'>): Server {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const target =
    'socketPath' in opts.upstream ? { socketPath: opts.upstream.socketPath } : { host: opts.upstream.host, port: opts.upstream.port };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const d = decide(method, url, req.headers.authorization);
    if (!d.allow) {
      // Unread bodies are drained, so a keep-alive client's next request is parsed correctly.
      req.resume();
      sendJson(res, d.status, { error: d.error, reason: d.reason }, d.status === 401 ? { 'www-authenticate': 'Basic realm="zipkin"' } : {});
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !NOT_FORWARDED.has(k)) headers[k] = v;
    const upstream = request({ ...target, agent, method, path: url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.statusMessage, up.headers);
      up.pipe(res);
      up.on('error', () => res.destroy());
    });
    upstream.on('error', (e: Error) => {
      if (!res.headersSent) sendJson(res, 502, { error: 'bad_gateway', reason: `the trace store does not answer: ${e.message}` });
      else res.destroy();
    });
    req.on('aborted', () => upstream.destroy());
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  server.on('close', () => agent.destroy());
  return server;
}

/** `npm run stack -- trace-guard`: serves until SIGTERM or SIGINT, then stops accepting and lets requests in flight finish (5 s at most). */
export async function runTraceGuard(opts: TraceGuardOptions = traceGuardOptions()): Promise<void> {
  const server = createTraceGuard(opts);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const to = 'socketPath' in opts.upstream ? `unix:${opts.upstream.socketPath}` : `http://${opts.upstream.host}:${opts.upstream.port}`;
  process.stdout.write(`${JSON.stringify({ msg: 'trace guard listening', url: `http://${opts.host}:${opts.port}`, upstream: to })}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.stdout.write(`${JSON.stringify({ msg: `trace guard stopping (${signal})` })}\n`);
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => {
        server.closeAllConnections();
        resolve();
      }, 5000).unref();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
