import { Module, type DynamicModule } from '@nestjs/common';
import { KAFKA_GROUPS, parseOrderEvent } from '@dsp/contracts';
import { DatabaseModule, DataSources, parseHostPort } from '@dsp/database';
import { kafkaIdentityOf, KafkaModule } from '@dsp/messaging';
import { ErrorMapper, JSON_LOGGER, type JsonLogger, type ServiceConfig, type ServiceContext } from '@dsp/service-defaults';
import { RateLimiter, redisIdentityOf, RedisModule, SessionModule } from '@dsp/redis';
import {
  CreateOrderStats1764288000000,
  CreateUsers1764115200000,
  OrderStatsProjector,
  InvalidCredentialsError,
  InvalidUsernameError,
  TooManyLoginFailuresError,
  PasswordHasher,
  USER_ENTITY,
  UsernameTakenError,
  UsersService,
} from '@dsp/users';
import { ConfigCenter, ZookeeperModule } from '@dsp/zookeeper';
import { InternalUsersController } from './internal-users.controller';
import { RedisLoginAttempts } from './login-attempts.redis';
import { RegistrationThrottle, TooManyRegistrationsError } from './registration-throttle';
import { SessionsController } from './sessions.controller';
import type { USER_SERVICE_ENV_SCHEMA } from './user-service.config';
import { USER_SERVICE_LIVE_CONFIG } from './user-service.live-config';
import { USER_DB } from './user-db';
import { UsersController } from './users.controller';

/** user-service: accounts in user_db (vertical split) and sessions in Redis. */
@Module({})
export class UserServiceModule {
  static forRoot(ctx: ServiceContext<ServiceConfig<typeof USER_SERVICE_ENV_SCHEMA>>): DynamicModule {
    const { config } = ctx;
    const creds = { user: config.USER_DB_USER, password: config.USER_DB_PASSWORD, database: config.USER_DB_NAME };
    return {
      module: UserServiceModule,
      imports: [
        ZookeeperModule.forRoot({ ctx, config: { schema: USER_SERVICE_LIVE_CONFIG, writer: true } }),
        RedisModule.forRoot({ url: config.REDIS_URL, connectionName: config.INSTANCE_ID, ...redisIdentityOf(config) }),
        SessionModule.forRoot(),
        // Kafka feeds the order statistics only: not a readiness check (the API works without it).
        KafkaModule.forRoot(
          { brokers: config.KAFKA_BROKERS, clientId: config.INSTANCE_ID, ...kafkaIdentityOf(config) },
          { readiness: false },
        ),
        DatabaseModule.forRoot([
          {
            name: USER_DB,
            primary: { label: 'user_db:primary', ...parseHostPort(config.USER_DB_PRIMARY), ...creds },
            replicas: config.USER_DB_REPLICAS.map((r, i) => ({ label: `user_db:replica${i}`, ...parseHostPort(r), ...creds })),
            entities: [USER_ENTITY],
            migrations: [CreateUsers1764115200000, CreateOrderStats1764288000000],
            migrator: { user: config.USER_DB_MIGRATOR_USER, password: config.USER_DB_MIGRATOR_PASSWORD },
            routing: {
              strategy: config.DB_REPLICA_STRATEGY,
              maxLagMs: config.DB_MAX_REPLICA_LAG_MS,
              probeIntervalMs: config.DB_PROBE_INTERVAL_MS,
            },
          },
        ]),
      ],
      controllers: [UsersController, SessionsController, InternalUsersController],
      providers: [
        {
          provide: OrderStatsProjector,
          inject: [DataSources],
          useFactory: (db: DataSources) => new OrderStatsProjector(db.get(USER_DB)),
        },
        KafkaModule.consumer({
          group: KAFKA_GROUPS.userOrderStats, // keeps per-user order statistics
          inject: [OrderStatsProjector],
          handle: (projector: OrderStatsProjector) => async (m) => void (await projector.apply(parseOrderEvent(m.value))),
          options: { maxAttempts: config.ORDER_STATS_MAX_ATTEMPTS },
        }),
        {
          provide: RegistrationThrottle,
          inject: [RateLimiter, ConfigCenter, JSON_LOGGER],
          useFactory: (limiter: RateLimiter, live: ConfigCenter<typeof USER_SERVICE_LIVE_CONFIG>, logger: JsonLogger) =>
            new RegistrationThrottle(
              limiter,
              () => ({
                ipAttempts: live.view['ratelimit.register.ipAttempts'],
                windowSeconds: live.view['ratelimit.register.windowSeconds'],
              }),
              logger,
            ),
        },
        {
          provide: UsersService,
          inject: [DataSources, ErrorMapper, RateLimiter, ConfigCenter, JSON_LOGGER],
          useFactory: (
            db: DataSources,
            errors: ErrorMapper,
            limiter: RateLimiter,
            live: ConfigCenter<typeof USER_SERVICE_LIVE_CONFIG>,
            logger: JsonLogger,
          ) => {
            errors.registerAll([
              [UsernameTakenError, 409],
              [InvalidCredentialsError, 401],
              [InvalidUsernameError, 400],
              [TooManyLoginFailuresError, 429],
              [TooManyRegistrationsError, 429],
            ]);
            const attempts = new RedisLoginAttempts(
              limiter,
              () => ({
                accountFailures: live.view['ratelimit.login.accountFailures'],
                windowSeconds: live.view['ratelimit.login.windowSeconds'],
              }),
              logger,
            );
            return new UsersService(db.get(USER_DB), new PasswordHasher({ logN: config.PASSWORD_SCRYPT_LOG_N }), attempts);
          },
        },
      ],
    };
  }
}
