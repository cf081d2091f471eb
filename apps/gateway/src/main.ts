import { bootstrap } from '@dsp/service-defaults';
import { GATEWAY_ENV_SCHEMA, GATEWAY_SECRETS } from './gateway.config';
import { GatewayModule } from './gateway.module';

bootstrap({ name: 'gateway', configSchema: GATEWAY_ENV_SCHEMA, secrets: GATEWAY_SECRETS, module: (ctx) => GatewayModule.forRoot(ctx) });
