import { z } from 'zod';

/** Live configuration of order-service, from `/config/order-service/<profile>/<key>`. */
export const ORDER_SERVICE_LIVE_CONFIG = z.object({
  /** Peak shaving: orders per second created from the async intake topic. */
  'intake.ratePerSecond': z.number().int().min(1).max(100_000).default(200),
  /** How often the unpaid-order job runs on each instance's items. */
  'jobs.scanIntervalSeconds': z.number().int().min(1).max(3600).default(30),
  /** Unpaid orders older than this are cancelled by the scheduled job. */
  'jobs.unpaidOrderMaxAgeSeconds': z.number().int().min(10).default(900),
});
