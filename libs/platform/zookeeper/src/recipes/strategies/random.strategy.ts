import type { ServiceInstance } from '../service-instance.codec';
import type { SelectionStrategy } from './selection-strategy';

/** A uniformly random instance. */
export class RandomStrategy implements SelectionStrategy {
  readonly name = 'random';

  constructor(private readonly random: () => number = Math.random) {}

  select(instances: readonly ServiceInstance[]): ServiceInstance {
    return instances[Math.floor(this.random() * instances.length)] as ServiceInstance;
  }
}
