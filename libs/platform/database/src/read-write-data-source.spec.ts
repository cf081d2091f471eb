import { createJsonLogger } from '@dsp/service-defaults';
import { GtidPosition } from './gtid-position';
import { ReadWriteDataSource } from './read-write-data-source';
import type { ReplicaStatus } from './replica/replica-monitor';
import type { SqlNode } from './sql-node';

const logger = createJsonLogger({ service: 'spec', instanceId: 'spec', level: 'silent' });

/** A node whose "entity manager" is its label, so a read says where it ran; `fail` makes its next reads throw. */
function node(label: string): SqlNode & { fail?: Error } {
  const n = {
    label,
    fail: undefined as Error | undefined,
    get manager() {
      if (n.fail) throw n.fail;
      return label;
    },
    unavailableIfConnection: (e: unknown) => e,
  };
  return n as unknown as SqlNode & { fail?: Error };
}

/** A data source over fake nodes whose replica probes say `status` (the monitor's probing is not run). */
function setup(status: Partial<ReplicaStatus>[] = []) {
  const primary = node('p');
  const replicas = status.map((s) => node(String(s.label)));
  const rw = new ReadWriteDataSource(primary, replicas, logger, { name: 'order_db_1' });
  const full = status.map((s) => ({ usable: true, lagMs: 0, behind: 0n, position: GtidPosition.EMPTY, ...s }) as ReplicaStatus);
  const downs: string[] = [];
  rw.monitor.usable = () => full.filter((s) => s.usable);
  rw.monitor.markDown = (label: string) => void downs.push(label);
  const where = (opts = {}) => rw.read(async (em, route) => ({ node: em as unknown as string, reason: route.reason }), opts);
  return { rw, replicas, where, downs };
}

const after = (positions: Record<string, string>) => ({ of: (source: string) => positions[source] });

describe('ReadWriteDataSource routing', () => {
  it('should read from the primary when no replica is usable', async () => {
    const { where } = setup([{ label: 'r1', usable: false }]);
    await expect(where()).resolves.toEqual({ node: 'p', reason: 'no-usable-replica' });
  });

  it('should spread reads over usable replicas (round-robin by default) and skip an unusable one', async () => {
    const { where } = setup([{ label: 'r1' }, { label: 'r2' }, { label: 'r3', usable: false }]);
    const served = await Promise.all(Array.from({ length: 4 }, () => where()));
    expect(served.map((s) => s.node).sort()).toEqual(['r1', 'r1', 'r2', 'r2']);
    expect(served.every((s) => s.reason === 'replica')).toBe(true);
  });

  it('should send a read to the primary on the {primary: true} hint and inside withPrimary()', async () => {
    const { where } = setup([{ label: 'r1' }]);
    await expect(where({ primary: true })).resolves.toEqual({ node: 'p', reason: 'hint' });
    await expect(ReadWriteDataSource.withPrimary(() => where())).resolves.toEqual({ node: 'p', reason: 'hint' });
  });

  it("should serve a caller's read from a replica only if it has applied the caller's position for this data source", async () => {
    const { where } = setup([{ label: 'r1', position: GtidPosition.parse('0-3-10') }]);
    await expect(where({ after: after({ order_db_1: '0-3-10' }) })).resolves.toEqual({ node: 'r1', reason: 'replica' });
    await expect(where({ after: after({ order_db_1: '0-3-11' }) })).resolves.toEqual({ node: 'p', reason: 'replica-behind-token' });
    await expect(where({ minPosition: GtidPosition.parse('0-3-11') })).resolves.toEqual({ node: 'p', reason: 'replica-behind-token' });
    // A position recorded for another data source says nothing about this one.
    await expect(where({ after: after({ user_db: '0-1-99' }) })).resolves.toEqual({ node: 'r1', reason: 'replica' });
  });

  it('should retry a read on the primary when the replica connection fails, and mark the replica down', async () => {
    const { where, replicas, downs } = setup([{ label: 'r1' }]);
    (replicas[0] as { fail?: Error }).fail = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(where()).resolves.toEqual({ node: 'p', reason: 'replica-failed' });
    expect(downs).toEqual(['r1']);
  });

  it('should not retry a read whose error is not a connection error (a bad query stays a bad query)', async () => {
    const { where, replicas, downs } = setup([{ label: 'r1' }]);
    (replicas[0] as { fail?: Error }).fail = Object.assign(new Error("Table 'x' doesn't exist"), { code: 'ER_NO_SUCH_TABLE' });
    await expect(where()).rejects.toThrow("Table 'x' doesn't exist");
    expect(downs).toEqual([]);
  });
});
