export { DEFAULT_KAFKA_CONNECTION_OPTIONS, KafkaConnection, type KafkaConnectionOptions } from './kafka-connection';
export { KAFKA_ENV_SCHEMA, KafkaModule } from './kafka.module';
