/** A dependency the service needs to serve: resolves when it answers, rejects with the reason when not. */
export interface HealthCheck {
  /** Short name shown in `/health/ready`, e.g. `mysql:user_db:primary`. */
  readonly name: string;
  check(): Promise<void>;
}

export interface CheckResult {
  status: 'up' | 'down';
  durationMs: number;
  error?: string;
}

export interface ReadinessReport {
  status: 'ready' | 'not-ready' | 'draining';
  checks: Record<string, CheckResult>;
}
