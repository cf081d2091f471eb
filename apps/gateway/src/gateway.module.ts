import { Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { SERVICE_NAMES } from '@dsp/contracts';
import { ServiceClient } from '@dsp/service-client';
import type { ServiceConfig, ServiceContext } from '@dsp/service-defaults';
import { RateLimiter, redisIdentityOf, RedisModule, SessionModule } from '@dsp/redis';
import { ConfigCenter, createStrategy, ServiceDiscovery, ZookeeperModule, type SelectionStrategy } from '@dsp/zookeeper';
import { installApiDocs } from './api-docs';
import { GatewayProxy } from './gateway-proxy';
import type { GATEWAY_ENV_SCHEMA } from './gateway.config';
import { GATEWAY_LIVE_CONFIG } from './gateway.live-config';
import { LoginLimiter } from './login-limiter';

type GatewayCtx = ServiceContext<ServiceConfig<typeof GATEWAY_ENV_SCHEMA>>;

class GatewayRoutesInstaller implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly proxy: GatewayProxy,
    private readonly client: ServiceClient,
  ) {}

  onApplicationShutdown(): void {
    this.client.close();
  }

  onModuleInit(): void {
    const fastify = this.adapter.httpAdapter.getInstance<FastifyInstance>();
    this.proxy.install(fastify);
    installApiDocs(fastify);
  }
}

/** The gateway: the platform's edge, routing by ZooKeeper discovery. */
@Module({})
export class GatewayModule {
  static forRoot(ctx: GatewayCtx): DynamicModule {
    const { config, logger, metrics } = ctx;
    return {
      module: GatewayModule,
      imports: [
        ZookeeperModule.forRoot({
          ctx,
          discover: Object.values(SERVICE_NAMES), // every service: the public API's and the config admin API's targets
          config: { schema: GATEWAY_LIVE_CONFIG, writer: true },
        }),
        RedisModule.forRoot({ url: config.REDIS_URL, connectionName: config.INSTANCE_ID, ...redisIdentityOf(config) }),
        SessionModule.forRoot(),
      ],
      providers: [
        {
          provide: ServiceClient,
          inject: [ServiceDiscovery, ConfigCenter],
          useFactory: (discovery: ServiceDiscovery, live: ConfigCenter<typeof GATEWAY_LIVE_CONFIG>) => {
            let current: { name: string; strategy: SelectionStrategy } | undefined;
            const strategy = (): SelectionStrategy => {
              const name = live.view['routing.strategy'];
              if (current?.name !== name) current = { name, strategy: createStrategy(name) };
              return current.strategy;
            };
            return new ServiceClient(discovery, strategy, logger, {
              timeoutMs: config.UPSTREAM_TIMEOUT_MS,
              connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
              tokens: ctx.serviceTokens,
            });
          },
        },
        {
          provide: GatewayProxy,
          inject: [ServiceClient, RateLimiter, ConfigCenter],
          useFactory: (client: ServiceClient, limiter: RateLimiter, live: ConfigCenter<typeof GATEWAY_LIVE_CONFIG>) =>
            new GatewayProxy(
              client,
              new LoginLimiter(
                limiter,
                () => ({
                  windowSeconds: live.view['ratelimit.login.windowSeconds'],
                  ipAttempts: live.view['ratelimit.login.ipAttempts'],
                }),
                logger,
              ),
              logger,
              metrics,
              { trustProxy: config.TRUST_PROXY, adminToken: config.ADMIN_TOKEN },
            ),
        },
        {
          provide: GatewayRoutesInstaller,
          inject: [HttpAdapterHost, GatewayProxy, ServiceClient],
          useFactory: (a: HttpAdapterHost, p: GatewayProxy, c: ServiceClient) => new GatewayRoutesInstaller(a, p, c),
        },
      ],
    };
  }
}
