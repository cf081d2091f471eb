import type { z } from 'zod';

/** A znode's payload could not be decoded: it names the path and what was wrong (docs/notes.md, points 31-32). */
export class ZnodeCodecError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`znode ${path}: ${problem}`);
    this.name = 'ZnodeCodecError';
  }
}

/**
 * A versioned JSON codec for znode data. Every payload carries `schemaVersion`;
 * a reader that meets a version it does not know, or a payload whose shape does
 * not match its version's schema, gets a {@link ZnodeCodecError} naming the path
 * instead of a silently wrong object. ZooKeeper itself stores bytes (jute
 * serialises only its own protocol), so agreeing on this codec is what keeps
 * writers and watchers of a node compatible.
 */
export class ZnodeCodec<T extends object> {
  constructor(
    readonly name: string,
    private readonly schemas: Readonly<Record<number, z.ZodType<T>>>,
    readonly currentVersion: number,
  ) {
    if (!schemas[currentVersion]) throw new Error(`ZnodeCodec(${name}): no schema for current version ${currentVersion}`);
  }

  encode(value: T): Buffer {
    return Buffer.from(JSON.stringify({ ...value, schemaVersion: this.currentVersion }));
  }

  decode(path: string, bytes: Buffer | null | undefined): T {
    if (!bytes || bytes.length === 0) throw new ZnodeCodecError(path, `empty payload, expected ${this.name} JSON`);
    let raw: unknown;
    try {
      raw = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new ZnodeCodecError(path, `not JSON (${bytes.length} bytes): was it written with another serializer?`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new ZnodeCodecError(path, `expected a JSON object for ${this.name}`);
    const version = (raw as { schemaVersion?: unknown }).schemaVersion;
    const schema = typeof version === 'number' ? this.schemas[version] : undefined;
    if (!schema) {
      const known = Object.keys(this.schemas).join(', ');
      throw new ZnodeCodecError(path, `unknown ${this.name} schemaVersion ${JSON.stringify(version)} (this reader knows ${known})`);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new ZnodeCodecError(path, `${this.name} v${version} payload does not match its schema: ${issues}`);
    }
    return parsed.data;
  }
}
