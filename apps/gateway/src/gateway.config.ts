import { z } from 'zod';
import { GATEWAY_PORT, localAdminToken } from '@dsp/contracts';
import { millis, port } from '@dsp/service-defaults';
import { REDIS_ENV_SCHEMA } from '@dsp/redis';
import { ZOOKEEPER_ENV_SCHEMA } from '@dsp/zookeeper';

/** The gateway's environment: the public port plus ZooKeeper (discovery) and Redis (rate limits). */
export const GATEWAY_ENV_SCHEMA = z.object({
  ...ZOOKEEPER_ENV_SCHEMA.shape,
  ...REDIS_ENV_SCHEMA.shape,
  /** The gateway listens on a fixed, documented port (0 takes a free one, e.g. in tests). */
  PORT: port({ allowZero: true }).default(GATEWAY_PORT),
  /** Deadline of one proxied request, retries included. */
  UPSTREAM_TIMEOUT_MS: millis().default(10_000),
  /** Give up connecting to one instance after this long and try another. */
  UPSTREAM_CONNECT_TIMEOUT_MS: millis().default(1000),
  /** Bearer token of `/api/admin/config/...` (a secret). */
  ADMIN_TOKEN: z.string().min(16).default(localAdminToken),
  /**
   * Trust the last `X-Forwarded-For` hop from the peer as the client's address (only behind one
   * load balancer you run, which appends it).
   */
  TRUST_PROXY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

export const GATEWAY_SECRETS = ['ADMIN_TOKEN', 'ZK_PASSWORD', 'REDIS_PASSWORD'] as const;
