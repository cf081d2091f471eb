import { ZNODE_ROOTS, type ServiceInstanceV1 } from '@dsp/contracts';
import { isZkError, SERVICE_INSTANCE_CODEC, type ZookeeperClient } from '@dsp/zookeeper';
import type { Probe } from './probe';

/** A registered instance, as `/services/<name>/<id>` holds it. */
export interface RegistryInstance {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly zone: string;
  readonly registeredAt: string;
  /** The session that owns the ephemeral node (hex). */
  readonly session: string;
}

/**
 * A queue of ephemeral-sequential nodes (a lock's `lock-`, a latch's `latch-`,
 * a job's members): the first in sequence order holds it, the others wait.
 */
export interface Queue {
  readonly path: string;
  /** Node names, in grant order; `holder` is the first. */
  readonly holder?: string;
  readonly holderSession?: string;
  /** The latch participant's id (its node's data), where it wrote one. */
  readonly holderId?: string;
  readonly waiters: readonly string[];
}

export interface CoordinationView {
  readonly services: Readonly<Record<string, readonly RegistryInstance[]>>;
  readonly locks: readonly Queue[];
  readonly elections: readonly Queue[];
  readonly jobs: readonly Queue[];
  /** The number of znodes read for this view, and whether the walk stopped at its bound. */
  readonly nodesRead: number;
  readonly truncated: boolean;
}

const SEQUENCE = /(\d{10})$/;
const bySequence = (a: string, b: string): number => (SEQUENCE.exec(a)?.[1] ?? a).localeCompare(SEQUENCE.exec(b)?.[1] ?? b);

/**
 * The registry, lock, election and job panel: a bounded walk of `/services`,
 * `/locks`, `/election` and `/jobs` with an anonymous session (ZooKeeper lets
 * anyone read and nobody unidentified write, ADR 0009). Each read visits at most
 * `maxNodes` znodes; a node that vanishes mid-walk (an instance stopping, a
 * lock released) is skipped, not an error.
 */
export class CoordinationProbe implements Probe<CoordinationView> {
  readonly name = 'coordination';
  readonly cost: string;
  private read = 0;

  constructor(
    private readonly zk: ZookeeperClient,
    readonly intervalMs = 1000,
    private readonly maxNodes = 400,
  ) {
    this.cost = `a walk of /services, /locks, /election and /jobs every ${intervalMs} ms, at most ${maxNodes} reads, on one anonymous session`;
  }

  async collect(): Promise<CoordinationView> {
    this.read = 0;
    const services: Record<string, RegistryInstance[]> = {};
    for (const name of await this.children(ZNODE_ROOTS.services)) {
      const instances: RegistryInstance[] = [];
      for (const id of await this.children(`${ZNODE_ROOTS.services}/${name}`)) {
        const node = await this.data(`${ZNODE_ROOTS.services}/${name}/${id}`);
        if (!node) continue;
        let inst: ServiceInstanceV1;
        try {
          inst = SERVICE_INSTANCE_CODEC.decode(`${ZNODE_ROOTS.services}/${name}/${id}`, node.data);
        } catch {
          continue; // not an instance this console can read; the registry's own tests cover the codec
        }
        instances.push({
          id: inst.id,
          address: inst.address,
          port: inst.port,
          zone: inst.zone,
          registeredAt: inst.registeredAt,
          session: node.session,
        });
      }
      services[name] = instances.sort((a, b) => a.id.localeCompare(b.id));
    }
    const locks = await this.queues(ZNODE_ROOTS.locks, '');
    const elections = await this.queues(ZNODE_ROOTS.election, '');
    const jobs = await this.queues(ZNODE_ROOTS.jobs, '/members');
    return { services, locks, elections, jobs, nodesRead: this.read, truncated: this.read >= this.maxNodes };
  }

  async close(): Promise<void> {
    await this.zk.close();
  }

  /** `/root/<owner>/<name><suffix>` queues, and `/root/<name>` for an owner-less operator's. */
  private async queues(root: string, suffix: string): Promise<Queue[]> {
    const out: Queue[] = [];
    for (const first of await this.children(root)) {
      const below = await this.children(`${root}/${first}`);
      const looksLikeQueue = below.some((c) => SEQUENCE.test(c));
      // `/root/<name>` is itself a queue (an owner-less lock or latch), or `/root/<job>/members` an owner-less job.
      const ownerless = suffix === '' ? looksLikeQueue : below.includes(suffix.slice(1));
      const parents = ownerless ? [`${root}/${first}${suffix}`] : below.map((n) => `${root}/${first}/${n}${suffix}`);
      for (const path of parents) {
        const nodes = (await this.children(path)).sort(bySequence);
        const [holder, ...waiters] = nodes;
        if (holder === undefined) {
          out.push({ path, waiters: [] });
          continue;
        }
        const h = await this.data(`${path}/${holder}`);
        const holderId = h && h.data.length > 0 ? h.data.toString('utf8').slice(0, 80) : undefined;
        out.push({ path, holder, ...(h ? { holderSession: h.session } : {}), ...(holderId ? { holderId } : {}), waiters });
      }
    }
    return out;
  }

  private async children(path: string): Promise<string[]> {
    if (this.read >= this.maxNodes) return [];
    this.read++;
    try {
      return await this.zk.getChildren(path);
    } catch (e) {
      if (isZkError(e, 'ZNONODE')) return [];
      throw e;
    }
  }

  private async data(path: string): Promise<{ data: Buffer; session: string } | undefined> {
    if (this.read >= this.maxNodes) return undefined;
    this.read++;
    try {
      const { data, stat } = await this.zk.getData(path);
      return { data, session: stat.ephemeralOwner };
    } catch (e) {
      if (isZkError(e, 'ZNONODE')) return undefined;
      throw e;
    }
  }
}
