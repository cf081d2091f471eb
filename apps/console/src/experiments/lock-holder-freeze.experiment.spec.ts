import type { ZookeeperClient, ZkStat } from '@dsp/zookeeper';
import { ZkError, ZK_CODES } from '@dsp/zookeeper';
import { FencedRegister } from './fenced-register';
import { lockHolderFreezeVerdict } from './lock-holder-freeze.experiment';

/** One znode with a version, as ZooKeeper keeps it; `beforeSet` runs once before the next setData, to play a racing writer. */
class OneNode {
  data: Buffer | undefined;
  version = 0;
  beforeSet: (() => void) | undefined;

  client(): ZookeeperClient {
    const stat = (): ZkStat => ({ version: this.version }) as ZkStat;
    return {
      exists: async () => (this.data ? stat() : null),
      mkdirp: async () => undefined,
      create: async (_p: string, d: string) => {
        this.data = Buffer.from(d);
        return '/r';
      },
      getData: async () => {
        if (!this.data) throw new ZkError(ZK_CODES.ZNONODE, 'getData', '/r');
        return { data: this.data, stat: stat() };
      },
      setData: async (_p: string, d: string, version: number) => {
        const racing = this.beforeSet;
        this.beforeSet = undefined;
        racing?.();
        if (version !== this.version) throw new ZkError(ZK_CODES.ZBADVERSION, 'setData', '/r');
        this.data = Buffer.from(d);
        this.version++;
        return stat();
      },
    } as unknown as ZookeeperClient;
  }
}

describe('FencedRegister', () => {
  it('accepts only tokens above its fence, and a refused write changes nothing', async () => {
    const node = new OneNode();
    const register = new FencedRegister(node.client(), '/console/x/register');
    await register.ensure();
    await expect(register.read()).resolves.toEqual({ value: 0, fence: 0n, writer: 'nobody yet' });
    await expect(register.write(10n, 1, 'a')).resolves.toMatchObject({ accepted: true });
    const late = await register.write(9n, 1, 'b');
    expect(late).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/^fenced off: token 9 is not above the register's fence 10 \(written by a\)$/),
    });
    await expect(register.write(10n, 5, 'a again')).resolves.toMatchObject({ accepted: false });
    await expect(register.read()).resolves.toEqual({ value: 1, fence: 10n, writer: 'a' });
  });

  it('checks a write again when another writer changed the node between its read and its write', async () => {
    const node = new OneNode();
    const register = new FencedRegister(node.client(), '/console/x/register');
    await register.ensure();
    const other = new FencedRegister(node.client(), '/console/x/register');
    // Token 5 passes the check against fence 0; before its compare-and-set lands, token 7 writes: 5 must now be refused.
    node.beforeSet = () => {
      node.data = Buffer.from(JSON.stringify({ value: 1, fence: '7', writer: 'newer' }));
      node.version++;
    };
    await expect(register.write(5n, 1, 'older')).resolves.toMatchObject({ accepted: false, state: { fence: 7n } });
    await expect(other.read()).resolves.toEqual({ value: 1, fence: 7n, writer: 'newer' });
  });
});

describe('lockHolderFreezeVerdict', () => {
  const holder = { pid: 1, session: 'aa', token: 100n, read: { value: 3, fence: 90n } };
  const base = {
    before: { value: 3, fence: 90n, writer: 'x' },
    holder,
    holderNodeGone: true,
    token: 101n,
    contenderSession: 'bb',
    waited: 2100,
    contenderRead: 3,
    mine: { accepted: true as const, state: { value: 4, fence: 101n, writer: 'the contender (token 101)' } },
  };

  it('holds when the late write is fenced off and the counter went up once', () => {
    const v = lockHolderFreezeVerdict({
      ...base,
      after: { value: 4, fence: 101n, writer: 'the contender (token 101)' },
      late: { accepted: false, reason: 'fenced off: ...', value: 4, fence: 101n },
    });
    expect(v.held).toBe(true);
    expect(v.evidence.map((r) => r['answer'])).toEqual(['fenced off', 'accepted', 'the contender (token 101)']);
  });

  it('fails naming the lost update when the late write was accepted (a store without a fence)', () => {
    const v = lockHolderFreezeVerdict({
      ...base,
      after: { value: 4, fence: 100n, writer: 'the frozen holder (token 100)' },
      late: { accepted: true, value: 4, fence: 100n },
    });
    expect(v.held).toBe(false);
    expect(v.summary).toMatch(/the holder's late write was accepted: the counter went back to 4 \(a lost update\)/);
  });

  it('fails when the contender was granted while the holder still had its node', () => {
    const v = lockHolderFreezeVerdict({
      ...base,
      holderNodeGone: false,
      after: { value: 4, fence: 101n, writer: 'the contender (token 101)' },
      late: { accepted: false, reason: 'fenced off', value: 4, fence: 101n },
    });
    expect(v.held).toBe(false);
    expect(v.summary).toMatch(/granted the lock before ZooKeeper deleted the holder's node/);
  });
});
