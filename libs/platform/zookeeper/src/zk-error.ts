/** ZooKeeper result codes (from the C client), by name. */
export const ZK_CODES = {
  ZSYSTEMERROR: -1,
  ZRUNTIMEINCONSISTENCY: -2,
  ZDATAINCONSISTENCY: -3,
  ZCONNECTIONLOSS: -4,
  ZMARSHALLINGERROR: -5,
  ZUNIMPLEMENTED: -6,
  ZOPERATIONTIMEOUT: -7,
  ZBADARGUMENTS: -8,
  ZINVALIDSTATE: -9,
  ZAPIERROR: -100,
  ZNONODE: -101,
  ZNOAUTH: -102,
  ZBADVERSION: -103,
  ZNOCHILDRENFOREPHEMERALS: -108,
  ZNODEEXISTS: -110,
  ZNOTEMPTY: -111,
  ZSESSIONEXPIRED: -112,
  ZINVALIDCALLBACK: -113,
  ZINVALIDACL: -114,
  ZAUTHFAILED: -115,
  ZCLOSING: -116,
  ZNOTHING: -117,
  ZSESSIONMOVED: -118,
} as const;

export type ZkCodeName = keyof typeof ZK_CODES;

const NAMES = new Map<number, ZkCodeName>(Object.entries(ZK_CODES).map(([k, v]) => [v, k as ZkCodeName]));

/** Codes after which the same operation may succeed once the connection is back. */
const RETRYABLE: ReadonlySet<ZkCodeName> = new Set(['ZCONNECTIONLOSS', 'ZOPERATIONTIMEOUT', 'ZSESSIONMOVED', 'ZCLOSING']);

/** A failed ZooKeeper operation: the code, its name, the operation and the path. */
export class ZkError extends Error {
  readonly codeName: ZkCodeName | 'UNKNOWN';

  constructor(
    readonly code: number,
    readonly op: string,
    readonly path: string,
    detail?: string,
  ) {
    const name = NAMES.get(code) ?? 'UNKNOWN';
    super(`${op} ${path}: ${name} (${code})${detail ? `: ${detail}` : ''}`);
    this.name = 'ZkError';
    this.codeName = name;
  }

  /** True for connection loss and timeouts: retrying after reconnect may succeed. */
  get retryable(): boolean {
    return this.codeName !== 'UNKNOWN' && RETRYABLE.has(this.codeName);
  }

  is(name: ZkCodeName): boolean {
    return this.codeName === name;
  }
}

export function isZkError(e: unknown, name?: ZkCodeName): e is ZkError {
  return e instanceof ZkError && (name === undefined || e.codeName === name);
}
