import { z } from 'zod';
import {
  CONSOLE_IDENTITIES,
  CONSOLE_PORT,
  DB_USERS,
  DEFAULT_KAFKA_BROKERS,
  DEFAULT_ZK_CONNECT,
  GATEWAY_PORT,
  KAFKA_IDENTITIES,
  METRICS_IDENTITIES,
  MYSQL_CLUSTERS,
  PROMETHEUS_PORT,
  REDIS_IDENTITIES,
  REDIS_PORT,
  ZIPKIN_PORT,
  ZK_OBSERVER_PORT,
  ZK_VOTER_PORTS,
} from '@dsp/contracts';
import { ConfigError, hostPort, hostPortList, port, type ConfigIssue } from '@dsp/service-defaults';
import type { ZkServerAddress } from './probes/zookeeper-ensemble.probe';

/** `4=zk4:2181:observer` -> its address; the format of zoo.cfg's `server.N` lines. */
function parseServer(item: string): ZkServerAddress {
  const eq = item.indexOf('=');
  const rest = item.slice(eq + 1);
  const observer = rest.endsWith(':observer');
  const addr = observer ? rest.slice(0, -':observer'.length) : rest;
  const colon = addr.lastIndexOf(':');
  return {
    myid: Number(item.slice(0, eq)),
    host: addr.slice(0, colon),
    port: Number(addr.slice(colon + 1)),
    role: observer ? 'observer' : 'voter',
  };
}

/** `myid=host:port` or `myid=host:port:observer`, comma-separated: the servers `srvr` is sent to. */
const ensemble = () =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(
          z
            .string()
            .regex(/^\d+=[A-Za-z0-9.\-[\]]+:\d{1,5}(:observer)?$/, 'expected myid=host:port[:observer], e.g. 4=127.0.0.1:2184:observer'),
        )
        .min(1),
    )
    .transform((list): ZkServerAddress[] => list.map(parseServer))
    .refine((list) => list.every((x) => x.port >= 1 && x.port <= 65535), 'expected ports from 1 to 65535');

const secret = (fallback: () => string) => z.string().min(1).default(fallback);
const DEFAULT_ENSEMBLE = [
  ...ZK_VOTER_PORTS.map((p, i) => `${i + 1}=127.0.0.1:${p}`),
  `${ZK_VOTER_PORTS.length + 1}=127.0.0.1:${ZK_OBSERVER_PORT}:observer`,
].join(',');

/**
 * The console's environment. Every default is the loopback stack's; under
 * `PLATFORM_PROFILE=production` the passwords must be set (their defaults
 * derive from the local stack's seed).
 */
export const CONSOLE_ENV_SCHEMA = z.object({
  PLATFORM_PROFILE: z.enum(['local', 'production']).default('local'),
  /** Listen port; 0 takes a free one (tests). */
  CONSOLE_PORT: port({ allowZero: true }).default(CONSOLE_PORT),
  /** Listen address: loopback unless set (a container sets 0.0.0.0). */
  CONSOLE_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The people at the door (HTTP basic). */
  CONSOLE_VIEWER_PASSWORD: secret(() => CONSOLE_IDENTITIES.viewer.password),
  CONSOLE_OPERATOR_PASSWORD: secret(() => CONSOLE_IDENTITIES.operator.password),
  /** The ensemble's servers for `srvr`, and the client connect string for the registry walk. */
  ZK_ENSEMBLE: ensemble().default(() => ensemble().parse(DEFAULT_ENSEMBLE)),
  ZK_CONNECT: z.string().min(1).default(DEFAULT_ZK_CONNECT),
  KAFKA_BROKERS: hostPortList().default([...DEFAULT_KAFKA_BROKERS]),
  KAFKA_PASSWORD: secret(() => KAFKA_IDENTITIES.console.password),
  REDIS_ADDRESS: hostPort().default(`127.0.0.1:${REDIS_PORT}`),
  REDIS_PASSWORD: secret(() => REDIS_IDENTITIES.console.password),
  /** Each cluster's `primary-host:port/replica-host:port`, comma-separated by cluster. */
  MYSQL_SERVERS: z
    .string()
    .default(MYSQL_CLUSTERS.map((c) => `127.0.0.1:${c.primaryPort}/127.0.0.1:${c.replicaPort}`).join(','))
    .transform((s) =>
      s
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(z.string().regex(/^[^/\s]+:\d{1,5}\/[^/\s]+:\d{1,5}$/, 'expected primary-host:port/replica-host:port per cluster')).min(1),
    )
    .refine(
      (list) =>
        list.every((pair) =>
          pair
            .split('/')
            .every((hp) => Number(hp.slice(hp.lastIndexOf(':') + 1)) >= 1 && Number(hp.slice(hp.lastIndexOf(':') + 1)) <= 65535),
        ),
      'expected ports from 1 to 65535',
    ),
  MYSQL_PASSWORD: secret(() => DB_USERS.console.password),
  PROMETHEUS_URL: z.url().default(`http://127.0.0.1:${PROMETHEUS_PORT}`),
  PROMETHEUS_PASSWORD: secret(() => METRICS_IDENTITIES.console.password),
  /** Where the console's links send a browser for traces. */
  ZIPKIN_URL: z.url().default(`http://127.0.0.1:${ZIPKIN_PORT}/zipkin/`),
  /** The operator's ZooKeeper password, for the experiments' writes (local profile only; default: the local stack's). */
  ZK_OPERATOR_PASSWORD: z.string().min(1).optional(),
  /** The gateway the instance-freeze experiment sends its traffic through. */
  GATEWAY_URL: z.url().default(`http://127.0.0.1:${GATEWAY_PORT}`),
  /** The ZooKeeper session timeout the services run with (their `ZK_SESSION_TIMEOUT_MS`): the bound instance-freeze checks. */
  INSTANCE_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1000, 'expected at least 1000 ms').default(6000),
  /** The gateway's config admin token, for config-change (local profile only; default: the local stack's). */
  ADMIN_TOKEN: z.string().min(1).optional(),
  /** The MariaDB operator password for replica-sql-stop (`dsp_console_op`; local profile only; default: the local stack's). */
  MYSQL_OPERATOR_PASSWORD: z.string().min(1).optional(),
  /** The services' `DB_MAX_REPLICA_LAG_MS` and `DB_PROBE_INTERVAL_MS`: the bound replica-sql-stop checks. */
  REPLICA_MAX_LAG_MS: z.coerce.number().int().min(1, 'expected a positive number of ms').default(2000),
  REPLICA_PROBE_MS: z.coerce.number().int().min(1, 'expected a positive number of ms').default(500),
  /** Refused credentials one address may send per window before the door answers it 429 until the window ends. */
  CONSOLE_DOOR_FAILURES: z.coerce.number().int().min(1, 'expected at least 1').default(20),
  CONSOLE_DOOR_WINDOW_SECONDS: z.coerce.number().int().min(1, 'expected at least 1 s').default(60),
  /** How often each probe reads (ms); every panel's own interval scales with it. */
  CONSOLE_POLL_MS: z.coerce.number().int().min(250, 'expected at least 250 ms').default(1000),
});

export type ConsoleConfig = z.infer<typeof CONSOLE_ENV_SCHEMA>;

const SECRETS = [
  'CONSOLE_VIEWER_PASSWORD',
  'CONSOLE_OPERATOR_PASSWORD',
  'KAFKA_PASSWORD',
  'REDIS_PASSWORD',
  'MYSQL_PASSWORD',
  'PROMETHEUS_PASSWORD',
] as const;

/** Validates the environment; throws a {@link ConfigError} naming every bad or (production) missing variable. */
export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  const input = Object.fromEntries(Object.keys(CONSOLE_ENV_SCHEMA.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const issues: ConfigIssue[] = [];
  if (input['PLATFORM_PROFILE'] === 'production') {
    for (const s of SECRETS) {
      if (input[s] === undefined) {
        issues.push({
          variable: s,
          problem: 'must be set explicitly when PLATFORM_PROFILE=production (the default is for the local stack only)',
        });
        input[s] = 'unset';
      }
    }
  }
  const parsed = CONSOLE_ENV_SCHEMA.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0] ?? '(root)');
      const raw = env[variable];
      issues.push({
        variable,
        problem: raw === undefined || raw === '' ? `is required (${issue.message})` : `${issue.message}, got "${raw}"`,
      });
    }
  }
  if (issues.length > 0 || !parsed.success) throw new ConfigError('console', issues);
  return parsed.data;
}
