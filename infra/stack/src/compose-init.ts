import { DEFAULT_ZK_CONNECT, allTopics } from '@dsp/contracts';
import { ensureAcls, ensurePlatformTopics, kafkaAdminClient } from './components/kafka.component';
import { ensureZnodeTree } from './components/zk-tree';
import { log } from './log';
import { KAFKA_NODES } from './topology';

/** Where `compose-init` finds the servers, and how long it waits for them. */
export interface ComposeInitOptions {
  /** ZooKeeper connect string. `ZK_CONNECT` (the services' own variable), default this stack's voters on loopback. */
  zkConnect: string;
  /** Kafka bootstrap brokers. `KAFKA_BROKERS` (comma-separated, as the services read it), default this stack's on loopback. */
  kafkaBrokers: string[];
  /** How long the servers may take to answer. `STACK_TIMEOUT_MS`, default 240,000 ms. */
  timeoutMs: number;
}

/** The options from the environment (the variables above); a bad value is an error, not a default. */
export function composeInitOptions(env: NodeJS.ProcessEnv = process.env): ComposeInitOptions {
  const timeoutMs = Number(env['STACK_TIMEOUT_MS'] ?? 240_000);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new Error(`STACK_TIMEOUT_MS must be a positive number of ms, got "${env['STACK_TIMEOUT_MS']}"`);
  const brokers = (env['KAFKA_BROKERS'] ?? KAFKA_NODES.map((n) => `127.0.0.1:${n.brokerPort}`).join(','))
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  if (brokers.length === 0 || brokers.some((b) => !/^[^\s:]+:\d+$/.test(b)))
    throw new Error(`KAFKA_BROKERS must be host:port[,host:port...], got "${env['KAFKA_BROKERS']}"`);
  const zkConnect = env['ZK_CONNECT'] ?? DEFAULT_ZK_CONNECT;
  if (!/^[^\s:,]+:\d+(,[^\s:,]+:\d+)*(\/\S*)?$/.test(zkConnect))
    throw new Error(`ZK_CONNECT must be host:port[,host:port...], got "${zkConnect}"`);
  return { zkConnect, kafkaBrokers: brokers, timeoutMs };
}

/** A refusal is final (a stale .env, another stack's data); anything else may be a server still starting. */
const REFUSED = /NoAuth|ZNOAUTH|SASL|[Aa]uthenticat|[Aa]uthoriz|NOPERM|WRONGPASS/;

/**
 * Lays out what docker-compose's servers need before a service starts, as the
 * operator: the znode roots with their ACLs, the platform topics, the Kafka
 * ACLs (the native `up` does the same as it starts them). Idempotent: run again
 * on a laid-out stack it changes nothing. It waits for the servers by retrying
 * every 5 s until `timeoutMs` (compose v1 has no `--wait`); a refusal stops it
 * at once. It runs as compose's one-shot `init` service (from the image, with
 * this stack's seed mounted) or from the host (`npm run stack -- compose-init`).
 */
export async function composeInit(opts: ComposeInitOptions = composeInitOptions()): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  log.step(`compose-init: ZooKeeper ${opts.zkConnect}, Kafka ${opts.kafkaBrokers.join(',')}`);
  for (let attempt = 1; ; attempt++) {
    try {
      log.ok(`ZooKeeper: ${await ensureZnodeTree(opts.zkConnect)} znode roots with their ACLs`);
      const created = await ensurePlatformTopics(opts.kafkaBrokers);
      log.ok(`Kafka: ${created} topics created; all ${allTopics().length} platform topics exist`);
      const admin = kafkaAdminClient(opts.kafkaBrokers).admin();
      await admin.connect();
      try {
        log.ok(`Kafka: ${await ensureAcls(admin)}`);
      } finally {
        await admin.disconnect();
      }
      return;
    } catch (e) {
      if (REFUSED.test((e as Error).message)) throw e;
      if (Date.now() > deadline) throw e;
      log.step(`servers not ready yet (attempt ${attempt}: ${(e as Error).message.split('\n')[0]}); retrying in 5 s`);
      await new Promise((r) => setTimeout(r, 5_000));
    }
  }
}
