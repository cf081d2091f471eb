/**
 * JSON Schemas (2020-12, as OpenAPI 3.1 uses) of the public API's answers, by
 * component name. The request bodies are the `*_BODY_SCHEMA`s next to them;
 * both end up in `components.schemas` of {@link openApiDocument}. Strict where
 * the shape is ours (`additionalProperties: false`), so a field that appears
 * in an answer without being documented fails the API test.
 */

const str = { type: 'string' } as const;
const digits = { type: 'string', pattern: '^[0-9]+$' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

const USER = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'username', 'createdAt'],
  properties: { id: digits, username: str, createdAt: time },
} as const;

const ORDER = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'userId', 'status', 'currency', 'totalCents', 'items', 'createdAt', 'updatedAt'],
  properties: {
    id: digits,
    userId: digits,
    status: { enum: ['CREATED', 'PAID', 'CANCELLED'] },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    totalCents: digits,
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['sku', 'quantity', 'unitPriceCents'],
        properties: { sku: str, quantity: { type: 'integer', minimum: 1 }, unitPriceCents: digits },
      },
    },
    createdAt: time,
    updatedAt: time,
  },
} as const;

const PURCHASE_PROPERTIES = {
  saleId: digits,
  userId: digits,
  state: { enum: ['reserved', 'pending', 'ordered', 'rejected'] },
  orderId: { type: ['string', 'null'] },
  reason: str,
} as const;

const PRODUCT = {
  type: 'object',
  additionalProperties: false,
  required: ['sku', 'name', 'priceCents'],
  properties: { sku: str, name: str, priceCents: digits },
} as const;

export const API_SCHEMAS = {
  Error: {
    description: 'Every refusal: the status again, its name, and a message that says why.',
    type: 'object',
    additionalProperties: false,
    required: ['statusCode', 'error', 'message'],
    properties: { statusCode: { type: 'integer', minimum: 400, maximum: 599 }, error: str, message: str },
  },
  User: USER,
  Me: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'username', 'createdAt', 'orderStats', 'session'],
    properties: {
      ...USER.properties,
      orderStats: {
        description: 'From order events: eventually consistent.',
        type: 'object',
        additionalProperties: false,
        required: ['ordersCount', 'paidCount', 'totalSpentCents'],
        properties: { ordersCount: digits, paidCount: digits, totalSpentCents: digits },
      },
      session: { type: 'object', additionalProperties: false, required: ['id', 'expiresAt'], properties: { id: str, expiresAt: time } },
    },
  },
  Login: {
    type: 'object',
    additionalProperties: false,
    required: ['user', 'session'],
    properties: {
      user: ref('User'),
      session: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'expiresAt', 'idleTimeoutSeconds'],
        properties: { id: str, expiresAt: time, idleTimeoutSeconds: { type: 'integer', minimum: 1 } },
      },
    },
  },
  SessionList: {
    type: 'object',
    additionalProperties: false,
    required: ['sessions'],
    properties: {
      sessions: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'current', 'createdAt', 'lastSeenAt', 'expiresAt', 'ip', 'userAgent'],
          properties: {
            id: str,
            current: { type: 'boolean' },
            createdAt: time,
            lastSeenAt: time,
            expiresAt: time,
            ip: str,
            userAgent: str,
          },
        },
      },
    },
  },
  Order: ORDER,
  OrderPage: {
    type: 'object',
    additionalProperties: false,
    required: ['orders', 'nextCursor'],
    properties: { orders: { type: 'array', items: ref('Order') }, nextCursor: { type: ['string', 'null'] } },
  },
  OrderTicket: {
    description: 'A queued order: pending, then created (with the order id) or rejected (with the reason).',
    oneOf: [
      {
        type: 'object',
        additionalProperties: false,
        required: ['ticket', 'status'],
        properties: { ticket: str, status: { const: 'pending' } },
      },
      {
        type: 'object',
        additionalProperties: false,
        required: ['ticket', 'status', 'orderId'],
        properties: { ticket: str, status: { const: 'created' }, orderId: digits },
      },
      {
        type: 'object',
        additionalProperties: false,
        required: ['ticket', 'status', 'reason'],
        properties: { ticket: str, status: { const: 'rejected' }, reason: str },
      },
    ],
  },
  FlashSale: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'sku', 'strategy', 'stockTotal', 'stock', 'sold', 'createdAt'],
    properties: {
      id: digits,
      sku: str,
      strategy: { enum: ['zk-lock', 'redis-lock', 'db-atomic', 'redis-reserve'] },
      stockTotal: { type: 'integer', minimum: 1 },
      stock: { type: 'integer', minimum: 0 },
      sold: { type: 'integer', minimum: 0 },
      createdAt: time,
    },
  },
  Purchase: {
    type: 'object',
    additionalProperties: false,
    required: ['saleId', 'userId', 'state', 'orderId'],
    properties: PURCHASE_PROPERTIES,
  },
  RejectedPurchase: {
    description: 'A 409 for a redis-reserve reservation the database refused: the error and the purchase.',
    type: 'object',
    additionalProperties: false,
    required: ['statusCode', 'error', 'message', 'saleId', 'userId', 'state', 'orderId'],
    properties: { statusCode: { const: 409 }, error: str, message: str, ...PURCHASE_PROPERTIES },
  },
  Product: PRODUCT,
  ProductCopies: {
    description: 'The product as each order database holds it now (a broadcast table: one copy per database; null where it is missing).',
    type: 'object',
    additionalProperties: { oneOf: [ref('Product'), { type: 'null' }] },
  },
  ConfigView: {
    type: 'object',
    additionalProperties: false,
    required: ['app', 'profile', 'path', 'keys', 'values'],
    properties: { app: str, profile: str, path: str, keys: { type: 'array', items: str }, values: { type: 'object' } },
  },
  ConfigValue: {
    type: 'object',
    additionalProperties: false,
    required: ['key', 'value'],
    properties: { key: str, value: {}, path: str },
  },
  ConfigHistory: {
    type: 'object',
    additionalProperties: false,
    required: ['key', 'history'],
    properties: {
      key: str,
      history: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['seq', 'value', 'writtenAt', 'author', 'schemaVersion'],
          properties: {
            seq: { type: 'integer', minimum: 0 },
            value: {},
            writtenAt: time,
            author: str,
            schemaVersion: { const: 1 },
            tags: { type: 'array', items: str },
          },
        },
      },
    },
  },
  ConfigGray: {
    type: 'object',
    additionalProperties: false,
    required: ['key', 'value', 'tags'],
    properties: { key: str, value: {}, tags: { type: 'array', items: str } },
  },
  ConfigPromoted: {
    type: 'object',
    additionalProperties: false,
    required: ['key', 'promoted'],
    properties: { key: str, promoted: { const: true } },
  },
  // @dsp/workspace:service api-schemas
} as const;

export type ApiSchemaName = keyof typeof API_SCHEMAS;

/** The body of `PUT /api/admin/products/:sku`. */
export const UPSERT_PRODUCT_BODY_SCHEMA = {
  $id: 'UpsertProductRequest',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'priceCents'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 128 }, priceCents: { type: 'string', pattern: '^[0-9]{1,15}$' } },
} as const;

/** The body of `PUT /api/admin/config/:app/:key`. */
export const CONFIG_SET_BODY_SCHEMA = {
  $id: 'ConfigSetRequest',
  type: 'object',
  additionalProperties: false,
  required: ['value'],
  properties: { value: {}, author: { type: 'string', maxLength: 64 } },
} as const;

/** The body of `POST /api/admin/config/:app/:key/rollback`. */
export const CONFIG_ROLLBACK_BODY_SCHEMA = {
  $id: 'ConfigRollbackRequest',
  type: 'object',
  additionalProperties: false,
  required: ['seq'],
  properties: { seq: { type: 'integer', minimum: 0 } },
} as const;

/** The body of `PUT /api/admin/config/:app/:key/gray`. */
export const CONFIG_GRAY_BODY_SCHEMA = {
  $id: 'ConfigGrayRequest',
  type: 'object',
  additionalProperties: false,
  required: ['value', 'tags'],
  properties: { value: {}, tags: { type: 'array', minItems: 1, items: { type: 'string' } } },
} as const;
