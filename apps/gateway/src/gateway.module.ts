import { Module, type DynamicModule } from '@nestjs/common';
import type { ServiceConfig, ServiceContext } from '@dsp/service-defaults';
import { RedisModule } from '@dsp/session';
import { ZookeeperModule } from '@dsp/zookeeper';
import type { GATEWAY_ENV_SCHEMA } from './gateway.config';

/** The gateway: the platform's edge. Routes are added by the discovery and session features. */
@Module({})
export class GatewayModule {
  static forRoot(ctx: ServiceContext<ServiceConfig<typeof GATEWAY_ENV_SCHEMA>>): DynamicModule {
    const { config } = ctx;
    return {
      module: GatewayModule,
      imports: [
        ZookeeperModule.forRoot({ connectString: config.ZK_CONNECT, sessionTimeoutMs: config.ZK_SESSION_TIMEOUT_MS }),
        RedisModule.forRoot({ url: config.REDIS_URL, connectionName: config.INSTANCE_ID }),
      ],
    };
  }
}
