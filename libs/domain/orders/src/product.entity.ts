import { EntitySchema } from '@dsp/database';

export interface ProductRow {
  sku: string;
  name: string;
  priceCents: string;
  updatedAt: Date;
}

/** `products`: a broadcast table, the same rows in every order database, so any shard can price an order locally. */
export const PRODUCT_ENTITY = new EntitySchema<ProductRow>({
  name: 'Product',
  tableName: 'products',
  columns: {
    sku: { type: 'varchar', length: 32, primary: true },
    name: { type: 'varchar', length: 128 },
    priceCents: { name: 'price_cents', type: 'bigint' },
    updatedAt: { name: 'updated_at', type: 'datetime', precision: 3 },
  },
});
