import type { PurchaseStrategy } from './purchase-strategy';
import { UnknownStrategyError } from './flash-sale-errors';

/** The strategies a service offers, by name; an unknown name is a loud {@link UnknownStrategyError} listing the known ones. */
export class PurchaseStrategies {
  private readonly byName = new Map<string, PurchaseStrategy>();

  constructor(strategies: readonly PurchaseStrategy[]) {
    for (const s of strategies) {
      if (this.byName.has(s.name)) throw new Error(`flash-sale strategy "${s.name}" registered twice`);
      this.byName.set(s.name, s);
    }
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  get(name: string): PurchaseStrategy {
    const s = this.byName.get(name);
    if (!s) throw new UnknownStrategyError(name, this.names);
    return s;
  }
}
