import { Module, type DynamicModule } from '@nestjs/common';
import { SERVICE_NAMES } from '@dsp/contracts';
import type { ServiceConfig, ServiceContext } from '@dsp/service-defaults';
import { RedisModule } from '@dsp/session';
import { ZookeeperModule } from '@dsp/zookeeper';
import { GATEWAY_LIVE_CONFIG } from './gateway.live-config';
import type { GATEWAY_ENV_SCHEMA } from './gateway.config';

/** The gateway: the platform's edge. Routes are added by the discovery and session features. */
@Module({})
export class GatewayModule {
  static forRoot(ctx: ServiceContext<ServiceConfig<typeof GATEWAY_ENV_SCHEMA>>): DynamicModule {
    const { config } = ctx;
    return {
      module: GatewayModule,
      imports: [
        ZookeeperModule.forRoot({
          ctx,
          discover: [SERVICE_NAMES.user, SERVICE_NAMES.order],
          config: { schema: GATEWAY_LIVE_CONFIG, writer: true },
        }),
        RedisModule.forRoot({ url: config.REDIS_URL, connectionName: config.INSTANCE_ID }),
      ],
    };
  }
}
