import { Module, type DynamicModule } from '@nestjs/common';
import { z } from 'zod';
import { DEFAULT_KAFKA_BROKERS } from '@dsp/contracts';
import { ConnectionLifecycle, ErrorMapper, HealthRegistry, JSON_LOGGER, hostPortList, type JsonLogger } from '@dsp/service-defaults';
import { PublishError } from './event-producer';
import { KafkaConnection, type KafkaConnectionOptions } from './kafka-connection';

/** Environment variables of a service that uses Kafka. */
export const KAFKA_ENV_SCHEMA = z.object({
  KAFKA_BROKERS: hostPortList().default(DEFAULT_KAFKA_BROKERS),
});

const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');

/** Unique per module: a second platform module must not replace this one's lifecycle. */
const KAFKA_LIFECYCLE = Symbol('KAFKA_LIFECYCLE');

/** Provides one {@link KafkaConnection} per process, closed on shutdown, with a readiness check. */
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
      ],
      exports: [KafkaConnection],
    };
  }
}
