// First: the HTTP, MySQL, Redis and Kafka clients are patched for tracing when they are first loaded.
import '@dsp/telemetry/register';
import { bootstrap } from '@dsp/service-defaults';
import { USER_SERVICE_ENV_SCHEMA, USER_SERVICE_SECRETS } from './user-service.config';
import { UserServiceModule } from './user-service.module';

bootstrap({
  name: 'user-service',
  configSchema: USER_SERVICE_ENV_SCHEMA,
  secrets: USER_SERVICE_SECRETS,
  module: (ctx) => UserServiceModule.forRoot(ctx),
});
