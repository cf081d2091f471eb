import { bootstrap } from '@dsp/service-defaults';
import { GATEWAY_ENV_SCHEMA } from './gateway.config';
import { GatewayModule } from './gateway.module';

bootstrap({ name: 'gateway', configSchema: GATEWAY_ENV_SCHEMA, module: (ctx) => GatewayModule.forRoot(ctx) });
