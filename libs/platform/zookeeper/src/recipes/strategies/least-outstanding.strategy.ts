import type { ServiceInstance } from '../service-instance.codec';
import type { SelectionContext, SelectionStrategy } from './selection-strategy';

/** The instance with the fewest requests in flight; ties go round-robin. */
export class LeastOutstandingStrategy implements SelectionStrategy {
  readonly name = 'least-outstanding';
  private tie = 0;

  select(instances: readonly ServiceInstance[], ctx: SelectionContext): ServiceInstance {
    const min = Math.min(...instances.map((i) => ctx.outstanding(i.id)));
    const best = instances.filter((i) => ctx.outstanding(i.id) === min).sort((a, b) => a.id.localeCompare(b.id));
    return best[this.tie++ % best.length] as ServiceInstance;
  }
}
