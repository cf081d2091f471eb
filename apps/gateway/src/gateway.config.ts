import { z } from 'zod';
import { port } from '@dsp/service-defaults';
import { REDIS_ENV_SCHEMA } from '@dsp/session';
import { ZOOKEEPER_ENV_SCHEMA } from '@dsp/zookeeper';

/** The gateway's environment: the public port plus ZooKeeper (discovery) and Redis (sessions, rate limits). */
export const GATEWAY_ENV_SCHEMA = z.object({
  ...ZOOKEEPER_ENV_SCHEMA.shape,
  ...REDIS_ENV_SCHEMA.shape,
  /** The gateway listens on a fixed, documented port (0 takes a free one, e.g. in tests). */
  PORT: port({ allowZero: true }).default(8080),
});
