import { randomUUID } from 'node:crypto';
import type { RetryPolicy } from '../retry/retry-policy';
import { withRetry } from '../retry/with-retry';
import { ZkError } from '../zk-error';
import type { ZookeeperClient } from '../zookeeper-client';

/** Sequence suffix ZooKeeper appends to sequential nodes: 10 digits. */
export function sequenceOf(name: string): number {
  const m = /(\d{10})$/.exec(name);
  if (!m?.[1]) throw new Error(`"${name}" has no sequence suffix`);
  return Number(m[1]);
}

/** Sorts sequential child names by their sequence number (the GUID prefix does not sort). */
export function bySequence(names: readonly string[]): string[] {
  return [...names].sort((a, b) => sequenceOf(a) - sequenceOf(b));
}

/**
 * Creates an ephemeral-sequential node safely under connection loss
 * (Curator's "protected mode"): the node name carries a GUID
 * (`_c_<guid>-<prefix>`), so when a create fails with connection loss, the
 * children are searched for that GUID before trying again. Without it, a create
 * that succeeded on the server but whose answer was lost would leave an orphan
 * node that blocks a lock forever (until the session ends).
 */
export async function protectedCreate(
  client: ZookeeperClient,
  parent: string,
  prefix: string,
  data: Buffer | string | null,
  retry: RetryPolicy,
): Promise<string> {
  const guid = randomUUID();
  const marker = `_c_${guid}-`;
  return withRetry(client, retry, async () => {
    try {
      return await client.create(`${parent}/${marker}${prefix}`, data, 'EPHEMERAL_SEQUENTIAL');
    } catch (e) {
      // Parents are created only when missing (as Curator's creatingParentContainersIfNeeded): one round trip in the usual case.
      if (e instanceof ZkError && e.is('ZNONODE')) {
        await client.mkdirp(parent);
        return client.create(`${parent}/${marker}${prefix}`, data, 'EPHEMERAL_SEQUENTIAL');
      }
      if (!(e instanceof ZkError) || !e.retryable) throw e;
      await client.waitConnected(5000).catch(() => undefined);
      const existing = (await client.getChildren(parent)).find((n) => n.startsWith(marker));
      if (existing) return `${parent}/${existing}`;
      throw e;
    }
  });
}
