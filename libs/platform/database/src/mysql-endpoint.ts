/** One MySQL-compatible server a service talks to. */
export interface MysqlEndpoint {
  /** Label used in logs and health checks, e.g. `cluster0:primary`. */
  label: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** Parses `host:port` into its parts; throws naming the bad value. */
export function parseHostPort(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  const host = value.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(value.slice(i + 1));
  if (i <= 0 || !host || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`expected host:port, got "${value}"`);
  }
  return { host, port };
}
