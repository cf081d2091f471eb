import { METRICS_ROUTE, OPEN_ROUTES } from '@dsp/contracts';

/** Paths whose requests never start a trace: health probes (`OPEN_ROUTES` in contracts) and metric scrapes. */
export function isUntracedPath(url: string): boolean {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path === METRICS_ROUTE || OPEN_ROUTES.includes(path);
}
