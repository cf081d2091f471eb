import { Injectable, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { z } from 'zod';
import { DEFAULT_KAFKA_BROKERS } from '@dsp/contracts';
import { HealthRegistry, JSON_LOGGER, hostPortList, type JsonLogger } from '@dsp/service-defaults';
import { KafkaConnection, type KafkaConnectionOptions } from './kafka-connection';

/** Environment variables of a service that uses Kafka. */
export const KAFKA_ENV_SCHEMA = z.object({
  KAFKA_BROKERS: hostPortList().default(DEFAULT_KAFKA_BROKERS),
});

const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');

@Injectable()
class KafkaLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly kafka: KafkaConnection,
    private readonly health: HealthRegistry,
    private readonly logger: JsonLogger,
  ) {}

  onModuleInit(): void {
    this.health.register(this.kafka.healthCheck());
    this.kafka
      .start()
      .catch((e: unknown) => this.logger.warn({ component: 'kafka', err: (e as Error).message }, 'kafka not reachable yet'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.kafka.close();
  }
}

/** Provides one {@link KafkaConnection} per process, closed on shutdown, with a readiness check. */
@Module({})
export class KafkaModule {
  static forRoot(options: Partial<KafkaConnectionOptions>): DynamicModule {
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
          provide: KafkaLifecycle,
          inject: [KafkaConnection, HealthRegistry, JSON_LOGGER],
          useFactory: (k: KafkaConnection, h: HealthRegistry, l: JsonLogger) => new KafkaLifecycle(k, h, l),
        },
      ],
      exports: [KafkaConnection],
    };
  }
}
