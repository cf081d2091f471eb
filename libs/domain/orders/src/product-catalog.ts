import type { DataSources } from '@dsp/database';
import { PRODUCT_ENTITY } from './product.entity';

export interface Product {
  sku: string;
  name: string;
  priceCents: string;
}

/**
 * The broadcast table `products`: every write goes to every order database,
 * so any shard can price an order in its own local transaction. The write is
 * an idempotent upsert per database, not one distributed transaction: if one
 * database fails, the call fails and a retry converges every copy.
 */
export class ProductCatalog {
  constructor(
    private readonly sources: DataSources,
    private readonly databases: readonly string[],
  ) {}

  async upsert(p: Product): Promise<void> {
    for (const db of this.databases) {
      await this.sources
        .get(db)
        .write((em) =>
          em.getRepository(PRODUCT_ENTITY).upsert({ sku: p.sku, name: p.name, priceCents: p.priceCents, updatedAt: new Date() }, ['sku']),
        );
    }
  }

  /** Every copy of a product, by database (to check the broadcast). */
  async copies(sku: string): Promise<Record<string, Product | null>> {
    const out: Record<string, Product | null> = {};
    for (const db of this.databases) {
      const row = await this.sources.get(db).read((em) => em.getRepository(PRODUCT_ENTITY).findOneBy({ sku }), { primary: true });
      out[db] = row ? { sku: row.sku, name: row.name, priceCents: String(row.priceCents) } : null;
    }
    return out;
  }
}
