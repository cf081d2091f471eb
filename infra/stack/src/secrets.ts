import {
  CONSOLE_IDENTITIES,
  DB_USERS,
  KAFKA_BROKER_IDENTITY,
  KAFKA_IDENTITIES,
  localEd25519,
  localSecret,
  localSecretSeedPath,
  METRICS_IDENTITIES,
  REDIS_IDENTITIES,
  SERVICE_NAMES,
  TRACE_IDENTITIES,
  ZK_IDENTITIES,
} from '@dsp/contracts';
import { REPL_USER } from './components/mariadb.component';

/**
 * Every secret label of the local stack, for `npm run stack -- secret <label>`
 * (an unknown label is an error: a typo must not print a plausible password).
 */
export function localSecretLabels(): string[] {
  return [
    ...Object.values(ZK_IDENTITIES).map((i) => `zookeeper/${i.user}`),
    ...Object.values(REDIS_IDENTITIES).map((i) => `redis/${i.user}`),
    ...[KAFKA_BROKER_IDENTITY, ...Object.values(KAFKA_IDENTITIES)].map((i) => `kafka/${i.user}`),
    ...[...Object.values(DB_USERS), REPL_USER, { name: 'root' }].map((u) => `mariadb/${u.name}`),
    ...Object.values(SERVICE_NAMES).flatMap((s) => [`http/${s}`, `http/${s}.public`]),
    ...Object.values(TRACE_IDENTITIES).map((i) => `zipkin/${i.user}`),
    ...Object.values(METRICS_IDENTITIES).map((i) => `metrics/${i.user}`),
    ...Object.values(CONSOLE_IDENTITIES).map((i) => `console/${i.user}`),
    'admin-token',
  ];
}

/** The value of one label: a password or token, or an Ed25519 key (`http/<service>` private, `.public` public). */
export function localSecretValue(label: string): string {
  if (!localSecretLabels().includes(label))
    throw new Error(`unknown secret "${label}"; secrets of this stack: ${localSecretLabels().join(', ')}`);
  const http = /^http\/(.+?)(\.public)?$/.exec(label);
  if (http?.[1] !== undefined) {
    const pair = localEd25519(`http/${http[1]}`);
    return http[2] ? pair.publicKey : pair.privateKey;
  }
  return localSecret(label);
}

export { localSecretSeedPath };
