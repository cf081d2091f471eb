import type { ServiceInstance } from '../service-instance.codec';

/** What a strategy may look at besides the candidate list. */
export interface SelectionContext {
  /** A sticky key (e.g. a user id) for strategies that honour one. */
  key?: string;
  /** Requests currently in flight to an instance. */
  outstanding(instanceId: string): number;
}

/** Picks one instance among the healthy candidates (never called with an empty list). */
export interface SelectionStrategy {
  readonly name: string;
  select(instances: readonly ServiceInstance[], ctx: SelectionContext): ServiceInstance;
}
