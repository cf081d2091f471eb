import { createHash } from 'node:crypto';
import type { ZkAcl } from './zookeeper-client';

/** Permission bits (docs/notes.md#n21): create, delete, read, write, admin. */
export const PERMS = { READ: 1, WRITE: 2, CREATE: 4, DELETE: 8, ADMIN: 16, ALL: 31 } as const;

const LETTERS: [string, number][] = [
  ['c', PERMS.CREATE],
  ['d', PERMS.DELETE],
  ['r', PERMS.READ],
  ['w', PERMS.WRITE],
  ['a', PERMS.ADMIN],
];

/** `'cdrwa'` -> 31, as zkCli's setAcl; throws naming a letter that is not one of c, d, r, w, a. */
export function parsePerms(text: string): number {
  let perms = 0;
  for (const ch of text) {
    const bit = LETTERS.find(([l]) => l === ch)?.[1];
    if (bit === undefined) throw new Error(`unknown permission "${ch}" in "${text}": use any of c, d, r, w, a`);
    perms |= bit;
  }
  return perms;
}

/** 31 -> `'cdrwa'` */
export function formatPerms(perms: number): string {
  return LETTERS.filter(([, bit]) => (perms & bit) !== 0)
    .map(([l]) => l)
    .join('');
}

/** The id ZooKeeper stores for a digest user: `user:base64(sha1("user:password"))`. */
export function digestId(user: string, password: string): string {
  if (user.includes(':')) throw new Error('digest user names cannot contain ":"');
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`;
}

/** ACL entry builders for the four schemes of docs/notes.md#n20. */
export const acl = {
  /** Anyone (`world:anyone`). */
  world: (perms: string): ZkAcl => ({ scheme: 'world', id: 'anyone', perms: parsePerms(perms) }),
  /** Every identity the creating session has authenticated as (`auth::`). */
  auth: (perms: string): ZkAcl => ({ scheme: 'auth', id: '', perms: parsePerms(perms) }),
  /** A user and password (`digest:user:hash`), as `addauth digest user:password` proves. */
  digest: (user: string, password: string, perms: string): ZkAcl => ({
    scheme: 'digest',
    id: digestId(user, password),
    perms: parsePerms(perms),
  }),
  /** A client address or CIDR range (`ip:127.0.0.1`). */
  ip: (address: string, perms: string): ZkAcl => ({ scheme: 'ip', id: address, perms: parsePerms(perms) }),
};
