import { tracingDisabled } from '@dsp/telemetry';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from './config-error';
import { BASE_ENV_SCHEMA, defaultInstanceId, type BaseEnv } from './env-schema';

export interface LoadConfigOptions<S extends z.ZodObject> {
  service: string;
  /** The service's own variables; merged over the base schema. */
  schema: S;
  /**
   * Variables whose defaults are development-only secrets: with
   * `PLATFORM_PROFILE=production` each must be set explicitly.
   */
  secrets?: readonly (keyof z.infer<S> & string)[];
  env?: NodeJS.ProcessEnv;
}

/** Listen addresses that are not an address anyone can connect to. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/** Base variables every service must set in production: its HTTP signing key and the keys it trusts. */
const BASE_SECRETS = ['HTTP_PRIVATE_KEY', 'HTTP_PUBLIC_KEYS', 'METRICS_PASSWORD'] as const;

export type ServiceConfig<S extends z.ZodObject> = BaseEnv & z.infer<S> & { SERVICE_NAME: string; INSTANCE_ID: string };

/**
 * Validates the environment against the base and service schemas.
 * @throws ConfigError naming every variable that is wrong or missing.
 */
export function loadConfig<S extends z.ZodObject>(opts: LoadConfigOptions<S>): ServiceConfig<S> {
  const env = opts.env ?? process.env;
  const schema = BASE_ENV_SCHEMA.extend(opts.schema.shape);
  // Empty strings count as unset, as in most twelve-factor setups.
  const input: Record<string, string | undefined> = Object.fromEntries(
    Object.keys(schema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const issues: ConfigIssue[] = [];
  // Outside the local profile a secret must be set: it is reported (production) or the profile
  // itself is (a misspelt one), and its local default, derived from the local stack's seed, is
  // never evaluated.
  const missingSecrets = new Set<string>();
  const rawProfile = input['PLATFORM_PROFILE'];
  if (rawProfile !== undefined && rawProfile !== 'local') {
    // Spans name every route and statement a request touched: a service reports them only as itself, unless it sends none
    // (TRACING_URL=off, or telemetry disabled with OTEL_SDK_DISABLED=true).
    const tracing = input['TRACING_URL'] === 'off' || tracingDisabled(env) ? [] : ['TRACING_PASSWORD'];
    for (const secret of [...BASE_SECRETS, ...(opts.secrets ?? []), ...tracing]) {
      if (input[secret] !== undefined) continue;
      missingSecrets.add(secret);
      input[secret] = 'unset';
      if (rawProfile === 'production')
        issues.push({
          variable: secret,
          problem: 'must be set explicitly when PLATFORM_PROFILE=production (the default is for the local stack only)',
        });
    }
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0] ?? '(root)');
      if (missingSecrets.has(variable)) continue;
      const raw = env[variable];
      const problem = raw === undefined || raw === '' ? `is required (${issue.message})` : `${issue.message}, got "${raw}"`;
      issues.push({ variable, problem });
    }
  }
  const base = parsed.success ? (parsed.data as BaseEnv) : undefined;
  if (base && WILDCARD_HOSTS.has(base.HOST) && base.ADVERTISE_HOST === undefined)
    issues.push({
      variable: 'ADVERTISE_HOST',
      problem: `is required when HOST is ${base.HOST} (the address other services reach this instance at, announced in discovery)`,
    });
  if (issues.length > 0 || !parsed.success) throw new ConfigError(opts.service, issues);
  const data = parsed.data as BaseEnv & z.infer<S>;
  return { ...data, SERVICE_NAME: opts.service, INSTANCE_ID: data.INSTANCE_ID ?? defaultInstanceId(opts.service) };
}
