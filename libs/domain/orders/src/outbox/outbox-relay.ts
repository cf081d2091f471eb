import type { ShardRouter, ShardTarget } from '@dsp/database';
import type { JsonLogger, MetricsRegistry } from '@dsp/service-defaults';
import { publishTraced } from '@dsp/telemetry';
import { ORDER_TABLES } from '../order-tables';

/** Where the relay publishes (the messaging lib's `EventProducer` fits). */
export interface OutboxPublisher {
  send(topic: string, messages: readonly { key: string; value: string; headers?: Record<string, string> }[]): Promise<void>;
}

export interface OutboxRelayOptions {
  /** Rows read per shard per round. @default 200 */
  batchSize: number;
  /** Pause when a round found nothing, in ms. @default 50 */
  idleMs: number;
  /** Pause after a failed round (Kafka or a database down), in ms. @default 1000 */
  errorBackoffMs: number;
}

export const DEFAULT_OUTBOX_RELAY_OPTIONS: OutboxRelayOptions = { batchSize: 200, idleMs: 50, errorBackoffMs: 1000 };

type OutboxRow = { id: string; event_id: string; topic: string; msg_key: string; payload: string | object; traceparent: string | null };

/**
 * Publishes outbox rows (written in the same transaction as the order change)
 * to Kafka and marks them published, shard by shard, in row order.
 *
 * - Nothing is lost: a row is marked only after Kafka acknowledged it
 *   (`acks=all`); a failed send leaves it for the next round.
 * - Per-order order holds: an order's events are in one shard table, read in
 *   id order, keyed by order id (one partition), sent one batch at a time.
 * - At-least-once: a crash between the send and the mark republishes the batch;
 *   consumers drop duplicates by `eventId` (inbox).
 * - Run it on one instance only (a `LeaderLatch`): two relays would only
 *   duplicate, never lose, but waste work.
 *
 * `start()` / `stop()` may alternate (leadership gained and lost); `stop()`
 * waits for the round in progress.
 */
export class OutboxRelay {
  private readonly options: OutboxRelayOptions;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly router: ShardRouter,
    private readonly publisher: OutboxPublisher,
    private readonly logger: JsonLogger,
    options: Partial<OutboxRelayOptions> = {},
    private readonly metrics?: MetricsRegistry,
  ) {
    this.options = { ...DEFAULT_OUTBOX_RELAY_OPTIONS, ...options };
    if (metrics) this.publishBacklog(metrics);
  }

  /**
   * `outbox_backlog{shard}` (rows not yet published) and `outbox_oldest_unpublished_seconds{shard}`
   * (age of the oldest of them, 0 when none), counted on each shard's primary at scrape time.
   * Every instance reports them, whether or not it holds the relay's latch, so a backlog that grows
   * because no relay runs is still seen (take `max by (shard)` across instances).
   */
  private publishBacklog(metrics: MetricsRegistry): void {
    type Count = { n: number | string; oldest: Date | string | null };
    let scan: Promise<Map<string, { rows: number; ageSeconds: number }>> | undefined;
    const measure = async (): Promise<Map<string, { rows: number; ageSeconds: number }>> => {
      const out = new Map<string, { rows: number; ageSeconds: number }>();
      const shards = this.router.all({ allowScatter: true, what: 'the outbox backlog metric' });
      await Promise.all(
        shards.map(async (shard) => {
          const table = shard.table(ORDER_TABLES.outbox);
          const rows = (await shard.source.read(
            (em) => em.query(`SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM ${table} WHERE published_at IS NULL`),
            { primary: true },
          )) as Count[];
          const row = rows[0];
          const oldest = row?.oldest == null ? undefined : new Date(row.oldest);
          out.set(`${shard.source.name}.${table}`, {
            rows: Number(row?.n ?? 0),
            ageSeconds: oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest.getTime()) / 1000),
          });
        }),
      );
      return out;
    };
    // Both gauges are collected concurrently and share one scan per scrape.
    const shared = (): Promise<Map<string, { rows: number; ageSeconds: number }>> => (scan ??= measure().finally(() => (scan = undefined)));
    metrics.collected('outbox_backlog', 'Outbox rows written but not yet published to Kafka, by shard.', ['shard'], async (g) => {
      for (const [shard, b] of await shared()) g.set({ shard }, b.rows);
    });
    metrics.collected(
      'outbox_oldest_unpublished_seconds',
      'Age of the oldest unpublished outbox row, by shard (0 when none).',
      ['shard'],
      async (g) => {
        for (const [shard, b] of await shared()) g.set({ shard }, b.ageSeconds);
      },
    );
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.logger.info({ component: 'outbox-relay' }, 'outbox relay started');
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return this.loop;
    this.running = false;
    this.wake?.();
    await this.loop;
    this.logger.info({ component: 'outbox-relay' }, 'outbox relay stopped');
  }

  private async run(): Promise<void> {
    const shards = this.router.all({ allowScatter: true, what: 'the outbox relay' });
    while (this.running) {
      let published = 0;
      let failed = false;
      for (const shard of shards) {
        if (!this.running) break;
        try {
          published += await this.relayOnce(shard);
        } catch (e) {
          failed = true;
          this.logger.warn(
            { component: 'outbox-relay', shard: `${shard.source.name}.${shard.table(ORDER_TABLES.outbox)}`, err: (e as Error).message },
            'outbox round failed; rows stay for the next round',
          );
        }
      }
      if (published === 0 || failed) await this.pause(failed ? this.options.errorBackoffMs : this.options.idleMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Publishes one batch of one shard's outbox; returns how many rows were published. */
  async relayOnce(shard: ShardTarget): Promise<number> {
    const table = shard.table(ORDER_TABLES.outbox);
    const rows = (await shard.source.read(
      (em) =>
        em.query(`SELECT id, event_id, topic, msg_key, payload, traceparent FROM ${table} WHERE published_at IS NULL ORDER BY id LIMIT ?`, [
          this.options.batchSize,
        ]),
      { primary: true },
    )) as OutboxRow[];
    if (rows.length === 0) return 0;
    // Consecutive rows of one topic go in one send; topics alternate in row order, so order per key holds.
    let i = 0;
    while (i < rows.length) {
      const topic = (rows[i] as OutboxRow).topic;
      let j = i;
      while (j < rows.length && (rows[j] as OutboxRow).topic === topic) j++;
      const batch = rows.slice(i, j);
      // Each row is published in the trace of the request that wrote it (its own `publish` span).
      await publishTraced(topic, batch, (traceHeaders) =>
        this.publisher.send(
          topic,
          batch.map((r, k) => ({
            key: r.msg_key,
            value: typeof r.payload === 'string' ? r.payload : JSON.stringify(r.payload),
            headers: { ...traceHeaders(k), 'event-id': r.event_id },
          })),
        ),
      );
      i = j;
    }
    const ids = rows.map((r) => String(r.id));
    await shard.source.write((em) =>
      em.query(`UPDATE ${table} SET published_at = NOW(3), attempts = attempts + 1 WHERE id IN (${ids.map(() => '?').join(', ')})`, ids),
    );
    this.metrics
      ?.counter('outbox_published_total', 'Outbox rows published to Kafka, by shard.', ['shard'])
      .inc({ shard: `${shard.source.name}.${table}` }, rows.length);
    return rows.length;
  }
}
