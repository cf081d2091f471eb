import type { ServiceInstance } from '../service-instance.codec';
import type { SelectionStrategy } from './selection-strategy';

/** Each instance in turn (by instance id order, so every caller agrees on the order). */
export class RoundRobinStrategy implements SelectionStrategy {
  readonly name = 'round-robin';
  private next = 0;

  select(instances: readonly ServiceInstance[]): ServiceInstance {
    const sorted = [...instances].sort((a, b) => a.id.localeCompare(b.id));
    const chosen = sorted[this.next % sorted.length] as ServiceInstance;
    this.next = (this.next + 1) % Number.MAX_SAFE_INTEGER;
    return chosen;
  }
}
