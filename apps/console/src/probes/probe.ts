/**
 * One thing the console watches (the ZooKeeper ensemble, Kafka, ...): how to
 * read its state once, and how often. Probes only read: none has a right to
 * change what it reads (docs/console.md, "What the console may do").
 */
export interface Probe<T = unknown> {
  /** The panel's name, e.g. `zookeeper`; also its key in the snapshot. */
  readonly name: string;
  /** How often the poller reads it; one read at a time, however many browsers look. */
  readonly intervalMs: number;
  /** What one read costs the server it reads, for docs/console.md's load table. */
  readonly cost: string;
  /** Reads the state once; rejects with a reason the panel shows. */
  collect(): Promise<T>;
  /** Releases connections; safe to call twice. */
  close(): Promise<void>;
}
