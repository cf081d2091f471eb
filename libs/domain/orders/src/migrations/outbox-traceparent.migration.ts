import type { MigrationInterface, QueryRunner } from '@dsp/database';
import { ORDER_TABLES, TABLES_PER_DATABASE } from '../order-tables';

/**
 * Each outbox row keeps the W3C `traceparent` of the request that wrote it
 * (NULL outside a trace), so the relay publishes the event as part of that
 * request's trace and the consumers continue it: one order is one trace, from
 * the gateway to the projector (docs/telemetry.md). 55 characters: version,
 * trace id, span id and flags of version 00.
 */
export class OutboxTraceparent1764892800000 implements MigrationInterface {
  name = 'OutboxTraceparent1764892800000';

  async up(q: QueryRunner): Promise<void> {
    for (let t = 0; t < TABLES_PER_DATABASE; t++)
      await q.query(`ALTER TABLE ${ORDER_TABLES.outbox}_${t} ADD COLUMN traceparent VARCHAR(55) CHARACTER SET ascii NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (let t = 0; t < TABLES_PER_DATABASE; t++) await q.query(`ALTER TABLE ${ORDER_TABLES.outbox}_${t} DROP COLUMN traceparent`);
  }
}
