// First: the HTTP, MySQL, Redis and Kafka clients are patched for tracing when they are first loaded.
import '@dsp/telemetry/register';
import { bootstrap } from '@dsp/service-defaults';
import { ORDER_SERVICE_ENV_SCHEMA, ORDER_SERVICE_SECRETS } from './order-service.config';
import { OrderServiceModule } from './order-service.module';

bootstrap({
  name: 'order-service',
  configSchema: ORDER_SERVICE_ENV_SCHEMA,
  secrets: ORDER_SERVICE_SECRETS,
  module: (ctx) => OrderServiceModule.forRoot(ctx),
});
