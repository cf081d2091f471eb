/** Request bodies of the order API as JSON Schema data (see users.dto.ts). */

export interface OrderLineRequest {
  sku: string;
  quantity: number;
}

export interface CreateOrderRequest {
  items: OrderLineRequest[];
}

export const SKU_PATTERN = '^[A-Z0-9][A-Z0-9-]{1,31}$';

export const CREATE_ORDER_BODY_SCHEMA = {
  $id: 'CreateOrderRequest',
  type: 'object',
  additionalProperties: false,
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['sku', 'quantity'],
        properties: {
          sku: { type: 'string', pattern: SKU_PATTERN },
          quantity: { type: 'integer', minimum: 1, maximum: 1000 },
        },
      },
    },
  },
} as const;

/** `Idempotency-Key`: 8-64 characters of letters, digits, `-`, `_`, `.`, `:`. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,64}$/;

export interface OrderView {
  id: string;
  userId: string;
  status: 'CREATED' | 'PAID' | 'CANCELLED';
  currency: string;
  totalCents: string;
  items: { sku: string; quantity: number; unitPriceCents: string }[];
  createdAt: string;
  updatedAt: string;
}

export interface OrderPage {
  orders: OrderView[];
  /** Pass as `?cursor=` for the next page; null at the end. */
  nextCursor: string | null;
}
