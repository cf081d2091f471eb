import { OPEN_ROUTES } from '@dsp/contracts';

/** Paths whose requests never start a trace: health probes and metric scrapes (`OPEN_ROUTES` in contracts). */
export function isUntracedPath(url: string): boolean {
  const q = url.indexOf('?');
  return OPEN_ROUTES.includes(q === -1 ? url : url.slice(0, q));
}
