import { join } from 'node:path';
import { Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { z } from 'zod';
import { DEFAULT_ZK_CONNECT, ZK_IDENTITIES } from '@dsp/contracts';
import { ErrorMapper, HealthRegistry, millis, serverIdentity, type ServiceContext } from '@dsp/service-defaults';
import { ConfigAdminController } from './config-admin.controller';
import { ConfigCenter } from './recipes/config-center.recipe';
import { ConfigStoreUnavailableError, ConfigValueError } from './recipes/config-entry';
import { ServiceDiscovery } from './recipes/service-discovery.recipe';
import { ServiceRegistry } from './recipes/service-registry.recipe';
import { ZookeeperClient } from './zookeeper-client';
import { publishConfigMetrics, publishZookeeperMetrics } from './zookeeper-metrics';

/** Environment variables of a service that uses ZooKeeper. */
export const ZOOKEEPER_ENV_SCHEMA = z.object({
  /** ZooKeeper connect string (voters; point "remote" zone clients at the observer, :2184). */
  ZK_CONNECT: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'expected host:port[,host:port...]')
    .default(DEFAULT_ZK_CONNECT),
  /** Requested session timeout. */
  ZK_SESSION_TIMEOUT_MS: millis().default(6000),
  /**
   * This service's ZooKeeper digest identity: it writes only the parents it owns
   * (`/services/<name>`, `/config/<name>`, `/locks/<name>`, ...). Default: the
   * local stack's identity for SERVICE_NAME (`ZK_IDENTITIES` in contracts).
   */
  ZK_USER: z.string().min(1).optional(),
  /** Its password; a secret. */
  ZK_PASSWORD: z.string().min(1).optional(),
  /** Tags of this instance, for gray config releases and discovery metadata (comma-separated). */
  INSTANCE_TAGS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  /** Live-config profile to follow, `/config/<app>/<profile>` (default: PLATFORM_PROFILE). Tests and experiments use their own. */
  CONFIG_PROFILE: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected lowercase letters, digits and "-"')
    .optional(),
  /** Folder for local snapshots (discovery lists, config). Default: tmp/state/<INSTANCE_ID>. */
  STATE_DIR: z.string().min(1).optional(),
});

export type ZookeeperEnv = z.infer<typeof ZOOKEEPER_ENV_SCHEMA>;

export interface ZookeeperModuleOptions<S extends z.ZodObject = z.ZodObject> {
  ctx: ServiceContext<ServiceContext['config'] & ZookeeperEnv>;
  /** Register this instance under `/services/<SERVICE_NAME>` once it listens. @default true */
  register?: boolean;
  /** Services to discover (a watch-driven cache each). @default [] */
  discover?: string[];
  /** A typed config view `/config/<SERVICE_NAME>/<profile>`; with `writer`, also the `/internal/config` admin routes. */
  config?: { schema: S; profile?: string; writer?: boolean };
  /** The service version announced in its registration. @default '0.1.0' */
  version?: string;
}

class ZookeeperLifecycle implements OnModuleInit, OnApplicationShutdown {
  private registry: ServiceRegistry | undefined;

  constructor(
    private readonly client: ZookeeperClient,
    private readonly health: HealthRegistry,
    private readonly opts: ZookeeperModuleOptions,
    private readonly discovery: ServiceDiscovery | undefined,
    private readonly config: ConfigCenter<z.ZodObject> | undefined,
  ) {}

  async onModuleInit(): Promise<void> {
    const { ctx } = this.opts;
    this.client.start();
    this.health.register(this.client.healthCheck());
    await this.discovery?.start();
    await this.config?.start();
    if (this.opts.register !== false) {
      ctx.onListen(async ({ host, port }) => {
        this.registry = new ServiceRegistry(
          this.client,
          {
            id: ctx.config.INSTANCE_ID,
            name: ctx.config.SERVICE_NAME,
            address: host,
            port,
            zone: ctx.config.ZONE,
            tags: ctx.config.INSTANCE_TAGS,
            version: this.opts.version ?? '0.1.0',
          },
          ctx.logger,
        );
        await this.registry.register();
      });
      ctx.onDrain(async () => this.registry?.unregister());
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.registry?.unregister();
    await this.discovery?.close();
    await this.config?.close();
    await this.client.close();
  }
}

/**
 * Provides one started {@link ZookeeperClient} per process (closed on shutdown,
 * with a `zookeeper` readiness check) and, as asked: registration of this
 * instance once it listens (removed first thing on SIGTERM), a
 * {@link ServiceDiscovery} cache, and a typed {@link ConfigCenter} view.
 */
@Module({})
export class ZookeeperModule {
  static forRoot<S extends z.ZodObject>(opts: ZookeeperModuleOptions<S>): DynamicModule {
    const { config, logger } = opts.ctx;
    const stateDir = config.STATE_DIR ?? join(process.cwd(), 'tmp', 'state', config.INSTANCE_ID);
    const identity = serverIdentity('ZooKeeper', 'ZK', ZK_IDENTITIES, config);
    const client = new ZookeeperClient(
      {
        connectString: config.ZK_CONNECT,
        sessionTimeoutMs: config.ZK_SESSION_TIMEOUT_MS,
        auth: [{ scheme: 'digest', auth: `${identity.username}:${identity.password}` }],
        owner: config.SERVICE_NAME,
      },
      logger,
    );
    publishZookeeperMetrics(client, opts.ctx.metrics);
    const discovery = opts.discover?.length
      ? new ServiceDiscovery(client, logger, { services: opts.discover, snapshotDir: stateDir })
      : undefined;
    const configCenter = opts.config
      ? new ConfigCenter(client, logger, {
          app: config.SERVICE_NAME,
          profile: opts.config.profile ?? config.CONFIG_PROFILE ?? config.PLATFORM_PROFILE,
          schema: opts.config.schema,
          snapshotFile: join(stateDir, 'config.json'),
          instanceTags: config.INSTANCE_TAGS,
          writer: opts.config.writer ? { user: identity.username, password: identity.password } : undefined,
        })
      : undefined;
    if (configCenter) publishConfigMetrics(configCenter, opts.ctx.metrics);
    return {
      module: ZookeeperModule,
      global: true,
      controllers: configCenter && opts.config?.writer ? [ConfigAdminController] : [],
      providers: [
        { provide: ZookeeperClient, useValue: client },
        { provide: ServiceDiscovery, useValue: discovery },
        { provide: ConfigCenter, useValue: configCenter },
        {
          provide: ZookeeperLifecycle,
          inject: [HealthRegistry, ErrorMapper],
          useFactory: (health: HealthRegistry, errors: ErrorMapper) => {
            errors.register(ConfigValueError, 400).register(ConfigStoreUnavailableError, 503);
            return new ZookeeperLifecycle(
              client,
              health,
              opts as ZookeeperModuleOptions,
              discovery,
              configCenter as ConfigCenter<z.ZodObject> | undefined,
            );
          },
        },
      ],
      exports: [ZookeeperClient, ServiceDiscovery, ConfigCenter],
    };
  }
}
