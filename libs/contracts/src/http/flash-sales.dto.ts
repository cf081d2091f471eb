/** The flash-sale API (the public contract): bodies as JSON Schema data, answers as types. */
import { SKU_PATTERN } from './orders.dto';

/**
 * How a sale keeps its stock consistent under concurrent purchases (docs/notes.md#n29):
 * - `zk-lock`: a ZooKeeper mutex per sale serializes read-check-write;
 * - `redis-lock`: a Redis lease (SET NX PX, compare-and-delete release, renewal) does the same;
 * - `db-atomic`: one conditional UPDATE (`stock > 0`) per purchase, no distributed lock;
 * - `redis-reserve`: a Redis script reserves the unit, the order follows through Kafka (202).
 */
export const FLASH_SALE_STRATEGIES = ['zk-lock', 'redis-lock', 'db-atomic', 'redis-reserve'] as const;
export type FlashSaleStrategyName = (typeof FLASH_SALE_STRATEGIES)[number];

export interface CreateFlashSaleRequest {
  sku: string;
  stock: number;
  strategy: FlashSaleStrategyName;
}

/** At most this many units per sale. */
export const FLASH_SALE_MAX_STOCK = 10_000_000;

export const CREATE_FLASH_SALE_BODY_SCHEMA = {
  $id: 'CreateFlashSaleRequest',
  type: 'object',
  additionalProperties: false,
  required: ['sku', 'stock', 'strategy'],
  properties: {
    sku: { type: 'string', pattern: SKU_PATTERN },
    stock: { type: 'integer', minimum: 1, maximum: FLASH_SALE_MAX_STOCK },
    strategy: { type: 'string', enum: [...FLASH_SALE_STRATEGIES] },
  },
} as const;

export interface FlashSaleView {
  id: string;
  sku: string;
  strategy: FlashSaleStrategyName;
  /** Units at the start. */
  stockTotal: number;
  /** Units left (in the database, the source of truth). */
  stock: number;
  /** Units sold: always `stockTotal - stock`. */
  sold: number;
  createdAt: string;
}

/**
 * A buyer's purchase in one sale. `reserved`: the unit is held in Redis and the
 * order is on its way through Kafka; `pending`: the unit is the buyer's and the
 * order is being written; `ordered`: done; `rejected`: the reservation found no
 * unit left in the database (only `redis-reserve`, e.g. after Redis lost data).
 */
export interface FlashSalePurchaseView {
  saleId: string;
  userId: string;
  state: 'reserved' | 'pending' | 'ordered' | 'rejected';
  orderId: string | null;
  reason?: string;
}
