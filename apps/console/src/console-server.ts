import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { JsonLogger } from '@dsp/service-defaults';
import { CONSOLE_OPEN_ROUTES, type ConsoleDoor } from './console-door';
import { DoorThrottle } from './door-throttle';
import { ExperimentRefused, type ExperimentRunner } from './experiments/experiment-runner';
import type { Poller } from './poller';

/** The header a browser must send with an experiment's POST: a cross-site form cannot set it, nor a page of another origin without a CORS preflight this server never grants. */
export const EXPERIMENT_HEADER = 'x-dsp-console';

/** The page's files, served as they are (no build step, no third-party script). */
const ASSETS: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/console.js': 'console.js',
  '/console.css': 'console.css',
  '/tour.json': 'tour.json',
};
const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export interface ConsoleServerOptions {
  readonly door: ConsoleDoor;
  /** Bounds refused credentials per address. @default a {@link DoorThrottle} with its defaults (20 per minute) */
  readonly throttle?: DoorThrottle;
  readonly poller: Poller;
  readonly logger: JsonLogger;
  /** The directory holding the page (`apps/console/public`, copied beside the build). */
  readonly publicDir: string;
  /** What the page shows in its header: the profile, and links. */
  readonly about: { readonly profile: string; readonly links: Readonly<Record<string, string>> };
  readonly experiments: ExperimentRunner;
  /** Why experiments cannot run here now (the production profile, no local stack), or undefined when they can. */
  readonly experimentsOff: () => string | undefined;
}

/**
 * The console's HTTP face. Guarantees: a request is answered from the
 * poller's cached snapshots and never reaches a server of the stack; every
 * route but `/health/live` and `/health/ready` is behind the door, and an
 * address whose credentials were refused too often is turned away (429) before
 * they are compared ({@link DoorThrottle}); every answer forbids framing,
 * sniffing, caching and any script or style not served from the console itself.
 */
export function buildConsoleServer(o: ConsoleServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
  const throttle = o.throttle ?? new DoorThrottle();

  app.addHook('onRequest', async (req, reply) => {
    void reply.headers({
      'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    const path = req.url.split('?')[0] ?? '';
    if (CONSOLE_OPEN_ROUTES.includes(path)) return;
    const blockedMs = throttle.blockedForMs(req.ip);
    if (blockedMs > 0) {
      const seconds = Math.max(1, Math.ceil(blockedMs / 1000));
      return reply
        .code(429)
        .header('retry-after', String(seconds))
        .send({ error: 'Too Many Requests', reason: `too many refused credentials from ${req.ip}: try again in ${seconds} s` });
    }
    const answer = o.door.identify(req.headers.authorization);
    if ('refused' in answer) {
      // A browser's first visit carries no credentials (it asks after the 401): only a credential sent and refused counts.
      if (req.headers.authorization !== undefined) throttle.refused(req.ip);
      o.logger.warn({ component: 'console-door', route: path, ip: req.ip, reason: answer.refused }, 'console door refused a request');
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="dsp console", charset="UTF-8"')
        .send({ error: 'Unauthorized', reason: `${answer.refused}: the console needs a console identity (docs/console.md)` });
    }
    req.consoleUser = answer.identity.user;
    req.consoleRight = answer.identity.may;
  });

  app.get('/health/live', async () => ({ status: 'ok' }));
  // Ready once every panel has finished a read, good or failing (a failing panel shows why, behind the door).
  // Open, so it says only whether each panel has read yet: never whether a server answered.
  app.get('/health/ready', async (_req, reply) => {
    const panels = o.poller.snapshot();
    const ready = panels.every((p) => p.status !== 'pending');
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ok' : 'starting',
      checks: Object.fromEntries(panels.map((p) => [p.name, { status: p.status === 'pending' ? 'pending' : 'read' }])),
    });
  });

  for (const [route, file] of Object.entries(ASSETS)) {
    app.get(route, async (_req, reply) => {
      const body = await readFile(join(o.publicDir, file));
      return reply.type(TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream').send(body);
    });
  }

  app.get('/api/snapshot', async (req) => ({
    generatedAt: new Date().toISOString(),
    user: req.consoleUser,
    ...o.about,
    panels: o.poller.snapshot(),
  }));

  app.get<{ Params: { name: string } }>('/api/panels/:name', async (req, reply) => {
    const panel = o.poller.panelSnapshot(req.params.name);
    if (!panel) {
      const known = o.poller.snapshot().map((p) => p.name);
      return reply.code(404).send({ error: 'Not Found', reason: `no panel named "${req.params.name}" (panels: ${known.join(', ')})` });
    }
    return panel;
  });

  app.get('/api/experiments', async (req) => {
    const off = o.experimentsOff();
    return {
      available: off === undefined,
      ...(off === undefined ? {} : { reason: off }),
      mayRun: req.consoleRight === 'operate',
      experiments: o.experiments.list(),
    };
  });

  app.get<{ Params: { id: string } }>('/api/experiments/runs/:id', async (req, reply) => {
    const run = o.experiments.run(req.params.id);
    return run ?? reply.code(404).send({ error: 'Not Found', reason: `no run "${req.params.id}" (the console keeps the last 20)` });
  });

  app.post<{ Params: { name: string } }>('/api/experiments/:name', async (req, reply) => {
    if (req.consoleRight !== 'operate')
      return reply
        .code(403)
        .send({ error: 'Forbidden', reason: `${req.consoleUser} may view, not run experiments: that takes dsp-operator` });
    if (req.headers[EXPERIMENT_HEADER] !== '1')
      return reply.code(403).send({
        error: 'Forbidden',
        reason: `an experiment's POST must carry the header ${EXPERIMENT_HEADER}: 1 (the console's page sends it; a cross-site request cannot)`,
      });
    const off = o.experimentsOff();
    if (off !== undefined) return reply.code(403).send({ error: 'Forbidden', reason: off });
    try {
      const run = o.experiments.start(req.params.name, req.consoleUser ?? '');
      return reply.code(202).header('location', `/api/experiments/runs/${run.id}`).send(run);
    } catch (e) {
      if (e instanceof ExperimentRefused)
        return reply.code(e.status).send({ error: e.status === 404 ? 'Not Found' : 'Conflict', reason: e.message });
      throw e;
    }
  });

  app.setNotFoundHandler(async (req, reply) =>
    reply.code(404).send({
      error: 'Not Found',
      reason: `${req.method} ${req.url.split('?')[0]} is not a console route (GET /, /api/snapshot, /api/panels/:name, /api/experiments; POST /api/experiments/:name)`,
    }),
  );
  app.setErrorHandler(async (err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) o.logger.error({ component: 'console', route: req.url, err }, 'console route failed');
    return reply.code(status).send({
      error: status === 500 ? 'Internal Server Error' : 'Bad Request',
      reason: status === 500 ? 'the console failed; see its log' : err.message,
    });
  });
  return app;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The console identity that passed the door, and its right. */
    consoleUser?: string;
    consoleRight?: 'view' | 'operate';
  }
}
