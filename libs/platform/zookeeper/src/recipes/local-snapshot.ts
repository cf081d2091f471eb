import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JsonLogger } from '@dsp/service-defaults';

/**
 * The last good copy of something read from ZooKeeper, in a local JSON file:
 * the second layer of availability when ZooKeeper cannot be reached at start.
 * Guarantees: a reader never sees a half-written file (each write goes to a
 * temporary file in the same directory and is renamed over the old one, which
 * is atomic on POSIX); a missing or unreadable file reads as `undefined`; a
 * failed write is logged and never thrown (the service keeps serving from
 * memory).
 */
export class LocalSnapshot<T> {
  constructor(
    readonly file: string,
    private readonly logger: JsonLogger,
    private readonly component: string,
  ) {}

  /** The snapshot's content, or undefined when there is none (or it cannot be read). */
  read(): T | undefined {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  write(value: T): void {
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(value, null, 2));
      renameSync(tmp, this.file);
    } catch (e) {
      this.logger.warn({ component: this.component, file: this.file, err: (e as Error).message }, 'could not write the local snapshot');
    }
  }
}
