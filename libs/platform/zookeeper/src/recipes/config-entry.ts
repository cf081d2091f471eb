import { z } from 'zod';
import { ZnodeCodec } from '../znode-codec';

const ENTRY_V1 = z.object({
  schemaVersion: z.literal(1),
  value: z.unknown(),
  writtenAt: z.string(),
  author: z.string(),
  /** Gray release only: instances with any of these tags see this value. */
  tags: z.array(z.string()).optional(),
});

/** One value of a config key as stored in its znode (also each history entry and a gray release). */
export type ConfigEntry = z.infer<typeof ENTRY_V1>;

/** Codec of `/config/<app>/<profile>/<key>` values, history entries and gray releases. */
export const CONFIG_ENTRY_CODEC = new ZnodeCodec<ConfigEntry>('config entry', { 1: ENTRY_V1 }, 1);

export interface ConfigHistoryEntry extends ConfigEntry {
  /** The history node's sequence, for `rollback`. */
  seq: number;
}

/** Name prefix of a key's persistent-sequential history children. */
export const HISTORY_PREFIX = 'h-';
/** Child of a key holding its gray release. */
export const GRAY = 'gray';

/** A config write was refused before reaching ZooKeeper: unknown key or invalid value. */
/**
 * ZooKeeper could not take a config write in time (no quorum, connection or
 * session lost): nothing may have been written, and the caller may retry later.
 * HTTP 503.
 */
export class ConfigStoreUnavailableError extends Error {
  constructor(
    readonly op: string,
    readonly key: string,
    readonly reason: string,
  ) {
    super(`config ${op} of "${key}" failed: ZooKeeper cannot take writes now (${reason}); retry later`);
    this.name = 'ConfigStoreUnavailableError';
  }
}

export class ConfigValueError extends Error {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`config key "${key}": ${problem}`);
    this.name = 'ConfigValueError';
  }
}
