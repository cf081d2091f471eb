import { withLocalPassword } from './local-secrets';

/** The console (`apps/console`, docs/console.md) on the loopback stack. `CONSOLE_PORT` overrides it. */
export const CONSOLE_PORT = 8090;

/**
 * What a person may do on the console:
 * - `view`: every panel and its JSON (`GET /`, `GET /api/*`);
 * - `operate`: the same, and the experiments that disturb the stack (local profile only).
 */
export type ConsoleRight = 'view' | 'operate';

/** One identity at the console's door, with its HTTP basic credentials. */
export interface ConsoleIdentity {
  readonly user: string;
  readonly password: string;
  readonly may: ConsoleRight;
}

/**
 * Who may open the console (ADR 0023). It shows the topology, the lock
 * holders and the lag of every server, so nobody sees it without one of these
 * identities (HTTP basic; anything else gets 401 and nothing is collected for it).
 * The passwords are the loopback stack's (`localSecret('console/<user>')`,
 * `npm run -s stack -- secret console/dsp-viewer`); the console reads
 * `CONSOLE_VIEWER_PASSWORD` / `CONSOLE_OPERATOR_PASSWORD` instead where set.
 */
export const CONSOLE_IDENTITIES: Record<'viewer' | 'operator', ConsoleIdentity> = {
  viewer: withLocalPassword('console', { user: 'dsp-viewer', may: 'view' }),
  operator: withLocalPassword('console', { user: 'dsp-operator', may: 'operate' }),
};

/**
 * The console's own identities on the servers it reads. It only observes, so
 * each one may read state and nothing else:
 * - ZooKeeper: none (anonymous sessions may read every node and nothing more, ADR 0009), plus the
 *   whitelisted four-letter words (`srvr`) on each server's client port;
 * - Kafka: `User:dsp-console`, DESCRIBE on the platform's topics and groups (metadata, offsets, lag), no READ, no WRITE;
 * - Redis: `dsp-console`, `INFO` and nothing else: no key, no channel;
 * - MariaDB: `dsp_console`, `SLAVE MONITOR` and `BINLOG MONITOR` (replication state), no table;
 * - Prometheus: `dsp-console` (metrics identity `console`): Prometheus's API and UI, which its web config
 *   cannot narrow further; never an instance's `/metrics`.
 */
export const CONSOLE_SERVER_USER = {
  kafka: 'dsp-console',
  redis: 'dsp-console',
  mariadb: 'dsp_console',
  prometheus: 'dsp-console',
} as const;
