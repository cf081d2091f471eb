/**
 * The callback surface of the `zookeeper` npm package's native handle that this
 * library uses. Only this file and zookeeper-client.ts touch the package.
 */
import type { EventEmitter } from 'node:events';

export type RcCallback<T extends unknown[]> = (rc: number, error: string, ...result: T) => void;

export interface NativeAcl {
  perms: number;
  scheme: string;
  auth: string;
}

export interface NativeZkHandle extends EventEmitter {
  init(config: Record<string, unknown>): NativeZkHandle;
  close(): void;
  readonly client_id: string;
  readonly client_password: string;
  a_create(path: string, data: Buffer | string | null, flags: number, cb: RcCallback<[string]>): number;
  a_exists(path: string, watch: boolean, cb: RcCallback<[unknown]>): number;
  aw_exists(path: string, watchCb: (type: number, state: number, path: string) => void, cb: RcCallback<[unknown]>): number;
  a_get(path: string, watch: boolean, cb: RcCallback<[unknown, Buffer | null]>): number;
  aw_get(path: string, watchCb: (type: number, state: number, path: string) => void, cb: RcCallback<[unknown, Buffer | null]>): number;
  a_get_children2(path: string, watch: boolean, cb: RcCallback<[string[], unknown]>): number;
  aw_get_children2(path: string, watchCb: (type: number, state: number, path: string) => void, cb: RcCallback<[string[], unknown]>): number;
  a_set(path: string, data: Buffer | string | null, version: number, cb: RcCallback<[unknown]>): number;
  a_delete_(path: string, version: number, cb: RcCallback<[]>): number;
  a_get_acl(path: string, cb: RcCallback<[NativeAcl[], unknown]>): number;
  a_set_acl(path: string, version: number, acl: NativeAcl[], cb: RcCallback<[]>): number;
  add_auth(scheme: string, auth: string, cb: RcCallback<[]>): number;
  a_sync(path: string, cb: RcCallback<[string]>): number;
}

export type NativeZkConstructor = new (config: Record<string, unknown>) => NativeZkHandle;

// The package's own type declarations describe the promise wrapper; we use the callback class underneath.
export const NativeZk: NativeZkConstructor = require('zookeeper/lib/zookeeper') as NativeZkConstructor;
