import { Kafka, logLevel, type Admin, type KafkaConfig } from 'kafkajs';
import type { HealthCheck, JsonLogger } from '@dsp/service-defaults';

export interface KafkaConnectionOptions {
  /** Bootstrap brokers. @default ['127.0.0.1:9092','127.0.0.1:9093','127.0.0.1:9094'] */
  brokers: string[];
  /** Client id sent to the brokers. @default 'dsp' */
  clientId: string;
  /** TCP connect timeout in ms. @default 1000 */
  connectionTimeoutMs: number;
  /** Per-request timeout in ms. @default 5000 */
  requestTimeoutMs: number;
  /**
   * SCRAM-SHA-512 user (the brokers refuse a client that does not authenticate).
   * Without it the client connects without SASL, which only a broker with a
   * PLAINTEXT listener accepts. @default undefined
   */
  username?: string | undefined;
  /** The user's password; a secret. @default undefined */
  password?: string | undefined;
}

export const DEFAULT_KAFKA_CONNECTION_OPTIONS: KafkaConnectionOptions = {
  brokers: ['127.0.0.1:9092', '127.0.0.1:9093', '127.0.0.1:9094'],
  clientId: 'dsp',
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 5000,
};

/** kafkajs' SASL option for a SCRAM-SHA-512 user, or nothing without one. */
export function saslOf(o: { username?: string | undefined; password?: string | undefined }): Pick<KafkaConfig, 'sasl'> {
  if (o.username === undefined) return {};
  if (o.password === undefined) throw new Error(`Kafka user ${o.username} has no password`);
  return { sasl: { mechanism: 'scram-sha-512', username: o.username, password: o.password } };
}

type Lifecycle = 'LATENT' | 'STARTED' | 'CLOSED';

/**
 * The service's handle on a Kafka cluster, with an explicit lifecycle
 * (`start()` once, `close()` twice safely). Its admin client answers
 * `ping()` with cluster metadata, which is what readiness means for Kafka:
 * a broker answers and the cluster has a controller.
 */
export class KafkaConnection {
  private lifecycle: Lifecycle = 'LATENT';
  private readonly options: KafkaConnectionOptions;
  private kafka: Kafka | undefined;
  private admin: Admin | undefined;

  constructor(
    options: Partial<KafkaConnectionOptions>,
    private readonly logger: JsonLogger,
  ) {
    this.options = { ...DEFAULT_KAFKA_CONNECTION_OPTIONS, ...options };
    if (this.options.brokers.length === 0) throw new Error('KafkaConnection: brokers must not be empty');
  }

  async start(): Promise<void> {
    if (this.lifecycle !== 'LATENT') throw new Error(`KafkaConnection.start() called when ${this.lifecycle}`);
    this.lifecycle = 'STARTED';
    const log = this.logger.child({ component: 'kafka' });
    this.kafka = new Kafka({
      clientId: this.options.clientId,
      brokers: this.options.brokers,
      connectionTimeout: this.options.connectionTimeoutMs,
      requestTimeout: this.options.requestTimeoutMs,
      ...saslOf(this.options),
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => log.warn({ kafkaNamespace: entry.namespace, ...entry.log }, entry.log.message),
    });
    this.admin = this.kafka.admin();
    await this.admin.connect();
    this.logger.info({ component: 'kafka', brokers: this.options.brokers, user: this.options.username }, 'kafka LATENT -> STARTED');
  }

  /** The kafkajs client; only valid between `start()` and `close()`. */
  get client(): Kafka {
    if (this.lifecycle !== 'STARTED' || this.kafka === undefined) throw new Error(`KafkaConnection is ${this.lifecycle}`);
    return this.kafka;
  }

  async ping(): Promise<void> {
    if (this.lifecycle !== 'STARTED' || this.admin === undefined) throw new Error(`KafkaConnection is ${this.lifecycle}`);
    const cluster = await this.admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('no Kafka broker in the cluster metadata');
  }

  /** How many partitions `topic` has, from the cluster's metadata. */
  async partitionCount(topic: string): Promise<number> {
    if (this.lifecycle !== 'STARTED' || this.admin === undefined) throw new Error(`KafkaConnection is ${this.lifecycle}`);
    const meta = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const n = meta.topics[0]?.partitions.length ?? 0;
    if (n === 0) throw new Error(`topic ${topic} has no partitions in the cluster metadata`);
    return n;
  }

  healthCheck(name = 'kafka'): HealthCheck {
    return { name, check: () => this.ping() };
  }

  async close(): Promise<void> {
    if (this.lifecycle === 'CLOSED') return;
    const was = this.lifecycle;
    this.lifecycle = 'CLOSED';
    if (was === 'STARTED') {
      await this.admin?.disconnect().catch(() => undefined);
      this.logger.info({ component: 'kafka' }, 'kafka STARTED -> CLOSED');
    }
  }
}
