import { Module, type DynamicModule, type FactoryProvider, type InjectionToken } from '@nestjs/common';
import { z } from 'zod';
import { DEFAULT_KAFKA_BROKERS, KAFKA_IDENTITIES, type KafkaConsumerGroup } from '@dsp/contracts';
import {
  ConnectionLifecycle,
  ErrorMapper,
  HealthRegistry,
  JSON_LOGGER,
  MetricsRegistry,
  hostPortList,
  serverIdentity,
  type JsonLogger,
  type ServerCredentials,
} from '@dsp/service-defaults';
import { ConsumerLagMonitor } from './consumer-lag-monitor';
import { ConsumerRunner } from './consumer-runner';
import { EventConsumer, type EventConsumerOptions, type IncomingMessage } from './event-consumer';
import { EventProducer, PublishError } from './event-producer';
import { KafkaConnection, type KafkaConnectionOptions } from './kafka-connection';
import { KafkaRuntime } from './kafka-runtime';

/** Environment variables of a service that uses Kafka. */
export const KAFKA_ENV_SCHEMA = z.object({
  KAFKA_BROKERS: hostPortList().default(DEFAULT_KAFKA_BROKERS),
  /**
   * This service's SCRAM-SHA-512 user: it may produce and consume only what
   * its ACLs grant (docs/security.md). Default: the local stack's user for
   * SERVICE_NAME (`KAFKA_IDENTITIES` in contracts).
   */
  KAFKA_USER: z.string().min(1).optional(),
  /** Its password; a secret. */
  KAFKA_PASSWORD: z.string().min(1).optional(),
});

/** The service's Kafka identity: from KAFKA_USER / KAFKA_PASSWORD, else the local stack's one for its name. */
export function kafkaIdentityOf(config: {
  SERVICE_NAME: string;
  KAFKA_USER?: string | undefined;
  KAFKA_PASSWORD?: string | undefined;
}): ServerCredentials {
  return serverIdentity('Kafka', 'KAFKA', KAFKA_IDENTITIES, config);
}

const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');

/** Unique per module: a second platform module must not replace this one's lifecycle. */
const KAFKA_LIFECYCLE = Symbol('KAFKA_LIFECYCLE');

/** One consumer group of a service, declared in one line (see {@link KafkaModule.consumer}). */
export interface ConsumerDeclaration<Deps extends unknown[]> {
  /** The group and its main topics, from `KAFKA_GROUPS` (its own retry topics, `<topic>.<groupId>.retry`, are consumed too). */
  group: KafkaConsumerGroup;
  /** Providers the handler needs, passed to `handle` in this order. */
  inject?: { [K in keyof Deps]: InjectionToken };
  /** Builds the message handler from the injected providers. */
  handle: (...deps: Deps) => (m: IncomingMessage) => Promise<void>;
  /** Consumer options other than group and topics (defaults: `DEFAULT_EVENT_CONSUMER_OPTIONS`). */
  options?: Partial<Omit<EventConsumerOptions, 'groupId' | 'topics'>>;
}

/** The injection token of a declared consumer group's {@link ConsumerRunner} (e.g. to read its lag). */
export function consumerToken(groupId: string): string {
  return `kafka-consumer:${groupId}`;
}

/**
 * Provides one {@link KafkaConnection} per process (closed on shutdown, with a
 * readiness check), the service's one {@link EventProducer}, and the
 * {@link KafkaRuntime} that starts and closes it together with every consumer
 * declared with {@link KafkaModule.consumer}.
 */
@Module({})
export class KafkaModule {
  /**
   * @param readiness  Make Kafka a readiness check of the service (default true). A service whose
   *                   HTTP API works without Kafka (a consumer that may lag) turns it off.
   */
  static forRoot(options: Partial<KafkaConnectionOptions>, { readiness = true }: { readiness?: boolean } = {}): DynamicModule {
    return {
      module: KafkaModule,
      global: true,
      providers: [
        { provide: KAFKA_OPTIONS, useValue: options },
        {
          provide: KafkaConnection,
          inject: [KAFKA_OPTIONS, JSON_LOGGER],
          useFactory: (opts: Partial<KafkaConnectionOptions>, logger: JsonLogger) => new KafkaConnection(opts, logger),
        },
        {
          provide: KAFKA_LIFECYCLE,
          inject: [KafkaConnection, HealthRegistry, JSON_LOGGER, ErrorMapper],
          useFactory: (k: KafkaConnection, h: HealthRegistry, l: JsonLogger, errors: ErrorMapper) => {
            errors.register(PublishError, 503); // a publish Kafka did not acknowledge: retry
            return new ConnectionLifecycle(k, h, l, 'kafka', { readiness });
          },
        },
        {
          provide: EventProducer,
          inject: [KafkaConnection, JSON_LOGGER],
          useFactory: (k: KafkaConnection, l: JsonLogger) => new EventProducer(k, l),
        },
        {
          provide: KafkaRuntime,
          inject: [EventProducer, JSON_LOGGER],
          useFactory: (p: EventProducer, l: JsonLogger) => new KafkaRuntime(p, l),
        },
      ],
      exports: [KafkaConnection, EventProducer, KafkaRuntime],
    };
  }

  /**
   * One consumer group, one line: `KafkaModule.consumer({ group: KAFKA_GROUPS.x, inject: [Handler], handle: (h) => (m) => h.consume(m) })`
   * in a module's providers. Failures go through the shared producer to the group's own `.retry` / `.dlq` topics; the
   * group's lag is exported as `kafka_consumer_lag`; the runner is injectable by {@link consumerToken}.
   */
  static consumer<Deps extends unknown[]>(d: ConsumerDeclaration<Deps>): FactoryProvider<ConsumerRunner> {
    return {
      provide: consumerToken(d.group.groupId),
      inject: [KafkaConnection, KafkaRuntime, JSON_LOGGER, MetricsRegistry, ...(d.inject ?? [])],
      useFactory: (kafka: KafkaConnection, runtime: KafkaRuntime, logger: JsonLogger, metrics: MetricsRegistry, ...deps: unknown[]) => {
        const handler = d.handle(...(deps as Deps));
        const runner = new ConsumerRunner(
          new EventConsumer(
            kafka,
            runtime.producer,
            handler,
            logger,
            { ...d.options, groupId: d.group.groupId, topics: [...d.group.topics] },
            metrics,
          ),
          new ConsumerLagMonitor(kafka, d.group.groupId, [...d.group.topics], metrics, logger),
          logger,
        );
        runtime.add(runner);
        return runner;
      },
    };
  }
}
