/** One invalid or missing configuration variable. */
export interface ConfigIssue {
  variable: string;
  problem: string;
}

/**
 * Thrown at boot when configuration is invalid. Its message names every bad
 * variable, so the operator can fix all of them in one go.
 */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`invalid configuration for ${service}:\n${issues.map((i) => `  - ${i.variable}: ${i.problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
