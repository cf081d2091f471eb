/** One row of `npm run stack status`. */
export interface ServerStatus {
  server: string;
  port: number;
  pid: number | undefined;
  role: string;
  health: 'up' | 'down' | 'degraded';
  detail: string;
}

/**
 * One kind of server in the local stack. Every method is idempotent:
 * `prepare` and `start` leave a running server alone, `stop` ignores a stopped one.
 */
export interface StackComponent {
  readonly name: string;
  /** Names of the daemons this component runs (pid and log file names). */
  readonly daemons: readonly string[];
  /** Writes configs and initialises data directories that do not exist yet. */
  prepare(): Promise<void>;
  /** Starts every daemon that is not already running. */
  start(): Promise<void>;
  /** Resolves with a one-line summary once the servers really serve; rejects naming the part and its log. */
  waitReady(timeoutMs: number): Promise<string>;
  stop(): Promise<void>;
  status(): Promise<ServerStatus[]>;
}
