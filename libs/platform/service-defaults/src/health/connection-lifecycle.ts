import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { JsonLogger } from '../logging/json-logger';
import type { HealthCheck } from './health-check';
import type { HealthRegistry } from './health-registry';

/** A client connection with an explicit lifecycle, as the platform libs define them. */
export interface ManagedConnection {
  start(): Promise<void>;
  close(): Promise<void>;
  healthCheck(): HealthCheck;
}

/**
 * Ties a {@link ManagedConnection} to a Nest app: registers its readiness check
 * (unless `readiness: false`),
 * starts it without blocking boot (readiness reports it until it answers), and
 * closes it on shutdown.
 */
export class ConnectionLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly connection: ManagedConnection,
    private readonly health: HealthRegistry,
    private readonly logger: JsonLogger,
    private readonly component: string,
    private readonly options: { readiness?: boolean } = {},
  ) {}

  onModuleInit(): void {
    if (this.options.readiness !== false) this.health.register(this.connection.healthCheck());
    this.connection
      .start()
      .catch((e: unknown) =>
        this.logger.warn({ component: this.component, err: (e as Error).message }, `${this.component} not reachable yet`),
      );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}
