export { PoisonMessageError } from '@dsp/contracts';
export { DEFAULT_EVENT_CONSUMER_OPTIONS, EventConsumer, type EventConsumerOptions, type IncomingMessage } from './event-consumer';
export {
  DEFAULT_EVENT_PRODUCER_OPTIONS,
  EventProducer,
  PublishError,
  type EventProducerOptions,
  type OutgoingMessage,
} from './event-producer';
export { DEFAULT_KAFKA_CONNECTION_OPTIONS, KafkaConnection, saslOf, type KafkaConnectionOptions } from './kafka-connection';
export { consumerToken, KAFKA_ENV_SCHEMA, kafkaIdentityOf, KafkaModule, type ConsumerDeclaration } from './kafka.module';
export { KafkaRuntime, type KafkaRuntimeOptions } from './kafka-runtime';
export { ConsumerLagMonitor } from './consumer-lag-monitor';
export { ConsumerRunner } from './consumer-runner';
