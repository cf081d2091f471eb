import { z } from 'zod';
import { RetryUntilElapsed } from '../retry/retry-policy';
import { ZK_CODES, ZkError } from '../zk-error';
import type { ZookeeperClient } from '../zookeeper-client';
import { ConfigStoreUnavailableError, ConfigValueError } from './config-entry';
import { ConfigWriter } from './config-writer';

const schema = z.object({ 'rate.perSecond': z.number().int().positive().default(100) });

/** A client whose every call fails as a client without quorum does; counts the calls. */
function lostClient() {
  const calls: string[] = [];
  const fail = (op: string) => async (path: string) => {
    calls.push(op);
    throw new ZkError(ZK_CODES.ZCONNECTIONLOSS, op, path, 'client is LOST');
  };
  const client = {
    waitConnected: async () => Promise.reject(new Error('not connected')),
    create: fail('create'),
    setData: fail('setData'),
    getData: fail('getData'),
    getChildren: fail('getChildren'),
    delete: fail('delete'),
    setAcl: fail('setAcl'),
    exists: fail('exists'),
  } as unknown as ZookeeperClient;
  return { client, calls };
}

describe('ConfigWriter (on a fake client)', () => {
  describe('when ZooKeeper cannot take writes (no quorum, session lost)', () => {
    it('should retry within its policy, then fail with ConfigStoreUnavailableError naming the key and the cause', async () => {
      const { client, calls } = lostClient();
      const writer = new ConfigWriter(client, { app: 'shop', profile: 'local', schema, retry: new RetryUntilElapsed(60, 20) });
      const t0 = Date.now();
      const err = await writer.set('rate.perSecond', 5, 'spec').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigStoreUnavailableError);
      expect((err as Error).message).toMatch(/"rate\.perSecond".*ZooKeeper cannot take writes now.*ZCONNECTIONLOSS/);
      expect(calls.length).toBeGreaterThan(1); // retried
      expect(Date.now() - t0).toBeLessThan(5000);
      for (const op of [
        () => writer.history('rate.perSecond'),
        () => writer.grayRelease('rate.perSecond', 5, ['canary'], 'spec'),
        () => writer.promoteGray('rate.perSecond', 'spec'),
        () => writer.cancelGray('rate.perSecond'),
      ])
        await expect(op()).rejects.toBeInstanceOf(ConfigStoreUnavailableError);
    });

    it('should still refuse a bad value with ConfigValueError before touching ZooKeeper', async () => {
      const { client, calls } = lostClient();
      const writer = new ConfigWriter(client, { app: 'shop', profile: 'local', schema, retry: new RetryUntilElapsed(60, 20) });
      await expect(writer.set('rate.perSecond', -1, 'spec')).rejects.toBeInstanceOf(ConfigValueError);
      await expect(writer.set('no.such.key', 1, 'spec')).rejects.toBeInstanceOf(ConfigValueError);
      expect(calls).toEqual([]);
    });
  });

  describe('when a gray release is promoted that does not exist', () => {
    it('should refuse with ConfigValueError (400), not a ZooKeeper error', async () => {
      const client = {
        getData: async (path: string) => Promise.reject(new ZkError(ZK_CODES.ZNONODE, 'getData', path)),
      } as unknown as ZookeeperClient;
      const writer = new ConfigWriter(client, { app: 'shop', profile: 'local', schema });
      await expect(writer.promoteGray('rate.perSecond', 'spec')).rejects.toThrow(/no gray release to promote/);
    });
  });
});
