import { Module, type DynamicModule } from '@nestjs/common';
import { HealthRegistry } from './health/health-registry';
import { MetricsRegistry } from './metrics/metrics-registry';
import type { ServiceContext } from './service-context';
import { JSON_LOGGER, SERVICE_CONFIG } from './tokens';

/** Makes the service context injectable everywhere: config, logger, health and metrics registries. */
@Module({})
export class ServiceDefaultsModule {
  static forRoot(ctx: ServiceContext): DynamicModule {
    return {
      module: ServiceDefaultsModule,
      global: true,
      providers: [
        { provide: SERVICE_CONFIG, useValue: ctx.config },
        { provide: JSON_LOGGER, useValue: ctx.logger },
        { provide: HealthRegistry, useValue: ctx.health },
        { provide: MetricsRegistry, useValue: ctx.metrics },
      ],
      exports: [SERVICE_CONFIG, JSON_LOGGER, HealthRegistry, MetricsRegistry],
    };
  }
}
