import type { BaseEnv } from './config/env-schema';
import type { HealthRegistry } from './health/health-registry';
import type { JsonLogger } from './logging/json-logger';
import type { ServiceTokenSigner } from './http/service-token';
import type { MetricsRegistry } from './metrics/metrics-registry';

/** What every service gets from `runService`, before its own module is built. */
export interface ServiceContext<C extends BaseEnv = BaseEnv> {
  config: C & { SERVICE_NAME: string; INSTANCE_ID: string };
  logger: JsonLogger;
  health: HealthRegistry;
  metrics: MetricsRegistry;
  /** Signs this service's tokens for calls to other services (undefined for a service with no HTTP identity). */
  serviceTokens: ServiceTokenSigner | undefined;
  /** Runs first on SIGTERM, while the HTTP server still serves (e.g. leave service discovery). */
  onDrain(hook: () => Promise<void>): void;
  /** Runs once the HTTP server listens, with the real address (e.g. register in service discovery). */
  onListen(hook: (address: ListenAddress) => Promise<void>): void;
}

export interface ListenAddress {
  host: string;
  port: number;
  url: string;
}
