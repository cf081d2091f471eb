import type { CheckResult, HealthCheck, ReadinessReport } from './health-check';

/**
 * Readiness of one process: ready only while it is not draining and every
 * registered dependency answers within the time budget. Checks run in
 * parallel; a slow dependency counts as down.
 */
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();
  private draining = false;

  constructor(private readonly timeoutMs: number) {}

  /** Adds a check; a second check with the same name is a programming error. */
  register(check: HealthCheck): void {
    if (this.checks.has(check.name)) throw new Error(`health check "${check.name}" is registered twice`);
    this.checks.set(check.name, check);
  }

  /** From now on the process reports not ready (graceful shutdown). */
  startDraining(): void {
    this.draining = true;
  }

  isDraining(): boolean {
    return this.draining;
  }

  async readiness(): Promise<ReadinessReport> {
    const entries = await Promise.all([...this.checks.values()].map(async (c) => [c.name, await this.run(c)] as const));
    const checks = Object.fromEntries(entries);
    const allUp = entries.every(([, r]) => r.status === 'up');
    return { status: this.draining ? 'draining' : allUp ? 'ready' : 'not-ready', checks };
  }

  private async run(check: HealthCheck): Promise<CheckResult> {
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check.check(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      return { status: 'up', durationMs: Math.round(performance.now() - t0) };
    } catch (e) {
      return { status: 'down', durationMs: Math.round(performance.now() - t0), error: (e as Error).message };
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}
