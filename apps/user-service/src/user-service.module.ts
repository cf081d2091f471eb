import { Module, type DynamicModule } from '@nestjs/common';
import { MysqlModule, parseHostPort } from '@dsp/database';
import type { ServiceConfig, ServiceContext } from '@dsp/service-defaults';
import { RedisModule } from '@dsp/session';
import { ZookeeperModule } from '@dsp/zookeeper';
import { USER_SERVICE_LIVE_CONFIG } from './user-service.live-config';
import type { USER_SERVICE_ENV_SCHEMA } from './user-service.config';

/** user-service: accounts and sessions. Wires its infrastructure; features live in libs. */
@Module({})
export class UserServiceModule {
  static forRoot(ctx: ServiceContext<ServiceConfig<typeof USER_SERVICE_ENV_SCHEMA>>): DynamicModule {
    const { config } = ctx;
    const creds = { user: config.USER_DB_USER, password: config.USER_DB_PASSWORD, database: config.USER_DB_NAME };
    return {
      module: UserServiceModule,
      imports: [
        ZookeeperModule.forRoot({ ctx, config: { schema: USER_SERVICE_LIVE_CONFIG } }),
        RedisModule.forRoot({ url: config.REDIS_URL, connectionName: config.INSTANCE_ID }),
        MysqlModule.forRoot([
          { label: 'user_db:primary', ...parseHostPort(config.USER_DB_PRIMARY), ...creds },
          ...config.USER_DB_REPLICAS.map((r, i) => ({ label: `user_db:replica${i}`, ...parseHostPort(r), ...creds })),
        ]),
      ],
    };
  }
}
