import type { SessionRecord } from './session-store';
import type { SessionStore } from './session-store';

/** A write as a domain service reports it: its data source and its commit's position (anything whose text is the GTID set). */
export interface RecordedWrite {
  source: string;
  position: { isEmpty(): boolean; toString(): string };
}

/**
 * Read-your-writes for one logged-in caller, kept in their session: the
 * position of the caller's last write per data source. Handed to a read as
 * `{ after: positions }`, it lets a replica serve the read only if it has
 * applied that write (else the primary serves it), so a caller never reads
 * data older than their own write, whichever instance or replica answers.
 * `record()` stores a write's position in the session before it resolves; a
 * write with an empty position (nothing committed) changes nothing.
 * Controllers get one from {@link CurrentReadPositions} and never handle a GTID.
 */
export class ReadPositions {
  private readonly positions: Record<string, string>;

  constructor(
    private readonly store: SessionStore,
    private readonly session: SessionRecord,
  ) {
    this.positions = { ...session.readPositions };
  }

  /** The position this caller's reads on `source` must have reached (undefined: none recorded). */
  of(source: string): string | undefined {
    return this.positions[source];
  }

  /** Remembers a write, so this caller's later reads on its data source see it. */
  async record(write: RecordedWrite): Promise<void> {
    if (write.position.isEmpty()) return;
    const position = write.position.toString();
    await this.store.patch(this.session.handle, { readPositions: { [write.source]: position } });
    this.positions[write.source] = position;
  }
}
