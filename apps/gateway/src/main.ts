// First: the HTTP, MySQL, Redis and Kafka clients are patched for tracing when they are first loaded.
import '@dsp/telemetry/register';
import { bootstrap } from '@dsp/service-defaults';
import { GATEWAY_ENV_SCHEMA, GATEWAY_SECRETS } from './gateway.config';
import { GatewayModule } from './gateway.module';

bootstrap({
  name: 'gateway',
  configSchema: GATEWAY_ENV_SCHEMA,
  secrets: GATEWAY_SECRETS,
  // The gateway is the public edge: only its /internal/* routes need a service token.
  serviceAuth: 'internal-only',
  module: (ctx) => GatewayModule.forRoot(ctx),
});
