import type { FastifyRequest } from 'fastify';
import { SERVICE_NAMES } from '@dsp/contracts';
import { serviceCallerOf } from '@dsp/service-defaults';

/**
 * The client's address: `X-Forwarded-For` when the request carries the
 * gateway's service token (the gateway writes one address it decided: its
 * peer, or with `TRUST_PROXY` the hop its load balancer appended), else the
 * peer. The header from anyone else is ignored.
 */
export function clientIp(req: FastifyRequest): string {
  const peer = req.socket.remoteAddress ?? '';
  if (serviceCallerOf(req) !== SERVICE_NAMES.gateway) return peer;
  const xff = req.headers['x-forwarded-for'];
  const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
  return first || peer;
}

export function userAgent(req: FastifyRequest): string {
  const ua = req.headers['user-agent'];
  return typeof ua === 'string' ? ua : '';
}
