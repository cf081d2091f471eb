/** One past value of a key, as the config admin API lists it (oldest first). */
export interface ConfigHistoryEntry {
  readonly seq: number;
  readonly value: unknown;
  readonly writtenAt: string;
  readonly author: string;
}

/** A refusal of the config admin API: its status and reason, so a 400 (a value the schema refuses) can be told apart. */
export class ConfigAdminRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigAdminRefused';
  }
}

/** What the config-change experiment needs of the config admin API. */
export interface ConfigAdmin {
  get(app: string, key: string): Promise<unknown>;
  set(app: string, key: string, value: unknown, author: string): Promise<void>;
  history(app: string, key: string): Promise<ConfigHistoryEntry[]>;
  rollback(app: string, key: string, seq: number): Promise<unknown>;
}

/**
 * The gateway's token-checked `/api/admin/config/<app>/<key>` routes, called as
 * an operator calls them (`Authorization: Bearer <ADMIN_TOKEN>`): the app's own
 * writer validates and stores the value with its ACL and a history entry, so
 * the console holds no ZooKeeper write right on `/config`. Each call has a 10 s
 * deadline; any answer but 200 throws a {@link ConfigAdminRefused} carrying the
 * gateway's status and message.
 */
export class GatewayConfigAdmin implements ConfigAdmin {
  constructor(
    private readonly gatewayUrl: string,
    private readonly adminToken: string,
  ) {}

  async get(app: string, key: string): Promise<unknown> {
    return (await this.call<{ value: unknown }>('GET', this.path(app, key))).value;
  }

  async set(app: string, key: string, value: unknown, author: string): Promise<void> {
    await this.call('PUT', this.path(app, key), { value, author });
  }

  async history(app: string, key: string): Promise<ConfigHistoryEntry[]> {
    return (await this.call<{ history: ConfigHistoryEntry[] }>('GET', `${this.path(app, key)}/history`)).history;
  }

  async rollback(app: string, key: string, seq: number): Promise<unknown> {
    return (await this.call<{ value: unknown }>('POST', `${this.path(app, key)}/rollback`, { seq })).value;
  }

  private path(app: string, key: string): string {
    return `/api/admin/config/${encodeURIComponent(app)}/${encodeURIComponent(key)}`;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.gatewayUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (res.status !== 200) {
      let reason = text.slice(0, 300);
      try {
        const m = (JSON.parse(text) as { message?: unknown }).message;
        if (m !== undefined) reason = Array.isArray(m) ? m.join('; ') : String(m);
      } catch {
        // not JSON: the text itself
      }
      throw new ConfigAdminRefused(res.status, `${method} ${path} through the gateway: ${res.status} ${reason}`);
    }
    return JSON.parse(text) as T;
  }
}
