import type { Admin } from 'kafkajs';
import type { JsonLogger, MetricsRegistry } from '@dsp/service-defaults';
import type { KafkaConnection } from './kafka-connection';

/**
 * Publishes a consumer group's lag per topic (sum over partitions of the
 * latest offset minus the group's committed offset) as the gauge
 * `kafka_consumer_lag{group,topic}`, every `intervalMs`. This is the backlog a
 * peak-shaving consumer works through.
 *
 * Lifecycle: `start()` once; `close()` is safe to call twice.
 */
export class ConsumerLagMonitor {
  private admin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private latest: number | undefined;

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly groupId: string,
    private readonly topics: string[],
    private readonly metrics: MetricsRegistry,
    private readonly logger: JsonLogger,
    private readonly intervalMs = 2000,
  ) {}

  start(): void {
    if (this.admin) throw new Error('ConsumerLagMonitor.start() called twice');
    this.admin = this.kafka.client.admin();
    const tick = (): void => {
      if (this.closed) return;
      void this.measure()
        .catch((e: unknown) => this.logger.debug({ component: 'consumer-lag', err: (e as Error).message }, 'lag not measured'))
        .finally(() => {
          if (!this.closed) {
            this.timer = setTimeout(tick, this.intervalMs);
            this.timer.unref();
          }
        });
    };
    void this.admin.connect().then(tick, () => tick());
  }

  private async measure(): Promise<void> {
    const admin = this.admin as Admin;
    const gauge = this.metrics.gauge('kafka_consumer_lag', 'Messages not yet consumed by the group, per topic.', ['group', 'topic']);
    const committed = await admin.fetchOffsets({ groupId: this.groupId, topics: this.topics });
    let total = 0;
    for (const { topic, partitions } of committed) {
      const latest = await admin.fetchTopicOffsets(topic);
      let lag = 0;
      for (const p of latest) {
        const c = partitions.find((x) => x.partition === p.partition);
        const done = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(p.low);
        lag += Math.max(0, Number(p.high) - done);
      }
      gauge.set({ group: this.groupId, topic }, lag);
      total += lag;
    }
    this.latest = total;
  }

  /** The group's lag over all its topics at the last measurement; undefined before the first one. */
  get lastLag(): number | undefined {
    return this.latest;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    await this.admin?.disconnect().catch(() => undefined);
  }
}
