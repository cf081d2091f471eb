import { createHash } from 'node:crypto';
import type { ServiceInstance } from '../service-instance.codec';
import type { SelectionContext, SelectionStrategy } from './selection-strategy';

function hash32(text: string): number {
  return createHash('md5').update(text).digest().readUInt32BE(0);
}

/**
 * Sticky by key on a hash ring with virtual nodes: the same key goes to the same
 * instance while it lives, and when an instance leaves only its keys move.
 * Without a key it falls back to the first point after a random one.
 */
export class ConsistentHashStrategy implements SelectionStrategy {
  readonly name = 'consistent-hash';
  private ringKey = '';
  private ring: { point: number; instance: ServiceInstance }[] = [];

  constructor(private readonly virtualNodes = 64) {}

  select(instances: readonly ServiceInstance[], ctx: SelectionContext): ServiceInstance {
    this.rebuild(instances);
    const point = hash32(ctx.key ?? String(Math.random()));
    let lo = 0;
    let hi = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ring[mid]?.point ?? 0) < point) lo = mid + 1;
      else hi = mid;
    }
    return (this.ring[lo % this.ring.length] as { instance: ServiceInstance }).instance;
  }

  private rebuild(instances: readonly ServiceInstance[]): void {
    const key = instances
      .map((i) => i.id)
      .sort()
      .join(',');
    if (key === this.ringKey) return;
    this.ringKey = key;
    this.ring = instances
      .flatMap((instance) => Array.from({ length: this.virtualNodes }, (_, v) => ({ point: hash32(`${instance.id}#${v}`), instance })))
      .sort((a, b) => a.point - b.point);
  }
}
