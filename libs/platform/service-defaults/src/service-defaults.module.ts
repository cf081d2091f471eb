import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { HealthRegistry } from './health/health-registry';
import { ErrorMapper } from './http/error-mapper';
import { HttpErrorFilter } from './http/http-error.filter';
import { MetricsRegistry } from './metrics/metrics-registry';
import type { ServiceContext } from './service-context';
import { JSON_LOGGER, SERVICE_CONFIG } from './tokens';

/**
 * Makes the service context injectable everywhere (config, logger, health and
 * metrics registries) and renders every error as `{statusCode, error, message}`
 * through {@link HttpErrorFilter}, with statuses from the shared {@link ErrorMapper}.
 */
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
        { provide: ErrorMapper, useValue: new ErrorMapper() },
        { provide: APP_FILTER, inject: [ErrorMapper], useFactory: (m: ErrorMapper) => new HttpErrorFilter(m, ctx.logger) },
      ],
      exports: [SERVICE_CONFIG, JSON_LOGGER, HealthRegistry, MetricsRegistry, ErrorMapper],
    };
  }
}
