import { isZkError, type ZookeeperClient } from '@dsp/zookeeper';

/** What the register holds: a counter, the highest fencing token that wrote it, and who that was. */
export interface RegisterState {
  readonly value: number;
  /** The token of the last accepted write (`0` before the first). */
  readonly fence: bigint;
  readonly writer: string;
}

/** A write's answer: accepted (the register now holds it), or fenced off because a newer token wrote first. */
export type FencedWrite =
  | { readonly accepted: true; readonly state: RegisterState }
  | { readonly accepted: false; readonly reason: string; readonly state: RegisterState };

/** How many times a write re-reads after another writer changed the node between its read and its write. */
const CAS_ATTEMPTS = 20;

/**
 * A counter in one znode that only accepts a write carrying a fencing token
 * higher than the last one it accepted (docs/notes.md#n22): the store's side of
 * a lock's fencing. Guarantee: once a write with token T is accepted, every
 * later write with a token <= T is refused and changes nothing, however late it
 * arrives. The check and the write are one compare-and-set on the node's
 * version, so two writers never both pass the check on the same state; a write
 * that lost such a race reads again and is checked against the newer state.
 *
 * The node is created by whoever calls {@link ensure} with its session's default
 * ACL (with the operator's credentials: anyone reads, only the operator writes).
 */
export class FencedRegister {
  constructor(
    private readonly zk: ZookeeperClient,
    readonly path: string,
  ) {}

  /** Creates the node (and its parents) holding value 0 and fence 0, unless it exists. */
  async ensure(): Promise<void> {
    if (await this.zk.exists(this.path)) return;
    await this.zk.mkdirp(this.path.slice(0, this.path.lastIndexOf('/')));
    try {
      await this.zk.create(this.path, encode({ value: 0, fence: 0n, writer: 'nobody yet' }));
    } catch (e) {
      if (!isZkError(e, 'ZNODEEXISTS')) throw e;
    }
  }

  async read(): Promise<RegisterState> {
    return decode((await this.zk.getData(this.path)).data);
  }

  /** Writes `value` as `writer` with `token`, if `token` is higher than the register's fence. */
  async write(token: bigint, value: number, writer: string): Promise<FencedWrite> {
    for (let attempt = 1; ; attempt++) {
      const { data, stat } = await this.zk.getData(this.path);
      const state = decode(data);
      // This very write landed and only its answer was lost (tried again after a connection loss): it was accepted.
      if (token === state.fence && state.writer === writer && state.value === value) return { accepted: true, state };
      if (token <= state.fence)
        return {
          accepted: false,
          reason: `fenced off: token ${token} is not above the register's fence ${state.fence} (written by ${state.writer})`,
          state,
        };
      const next: RegisterState = { value, fence: token, writer };
      try {
        await this.zk.setData(this.path, encode(next), stat.version);
        return { accepted: true, state: next };
      } catch (e) {
        if (!isZkError(e, 'ZBADVERSION') || attempt >= CAS_ATTEMPTS) throw e;
      }
    }
  }
}

function encode(s: RegisterState): string {
  return JSON.stringify({ value: s.value, fence: s.fence.toString(), writer: s.writer });
}

function decode(data: Buffer): RegisterState {
  const raw = JSON.parse(data.toString('utf8')) as { value: number; fence: string; writer: string };
  return { value: raw.value, fence: BigInt(raw.fence), writer: raw.writer };
}
