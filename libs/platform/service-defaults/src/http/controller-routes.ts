import { readdirSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';

/** One route a Nest controller declares: `GET /api/orders/:id`. */
export interface ControllerRoute {
  method: string;
  path: string;
  controller: string;
}

function join(...parts: (string | string[] | undefined)[]): string[] {
  // Nest allows a path or a list of paths at both levels.
  const lists = parts.map((p) => (p === undefined ? [''] : Array.isArray(p) ? p : [p]));
  return lists
    .reduce<string[]>((acc, list) => acc.flatMap((a) => list.map((b) => `${a}/${b}`)), [''])
    .map((p) => `/${p.split('/').filter(Boolean).join('/')}`);
}

/**
 * Every route the given controller classes declare, read from Nest's own
 * decorator metadata (no app is started): what a service will register, for a
 * test that compares it with the public route table.
 */
export function controllerRoutes(controllers: readonly unknown[]): ControllerRoute[] {
  const out: ControllerRoute[] = [];
  for (const c of controllers) {
    if (typeof c !== 'function') continue;
    const base = Reflect.getMetadata(PATH_METADATA, c) as string | string[] | undefined;
    if (base === undefined) continue; // not a controller
    const proto = (c as { prototype: object }).prototype;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = (proto as Record<string, unknown>)[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (path === undefined || method === undefined) continue;
      for (const p of join(base, path)) out.push({ method: RequestMethod[method], path: p, controller: c.name });
    }
  }
  return out;
}

/**
 * {@link controllerRoutes} of every `*.controller.ts` (or `.js`) under `dir`,
 * so a test of an app's routes sees a controller added later without being
 * told about it.
 */
export function controllerRoutesIn(dir: string): ControllerRoute[] {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.controller\.(ts|js)$/.test(f));
  return controllerRoutes(files.flatMap((f) => Object.values(require(joinPath(dir, f)) as Record<string, unknown>)));
}
