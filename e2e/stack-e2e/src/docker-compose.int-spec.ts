import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KAFKA_IDENTITIES, ZK_IDENTITIES } from '@dsp/contracts';
import { digestId } from '@dsp/zookeeper';
import {
  run,
  composeDir,
  composeFiles,
  composeInitSql,
  KAFKA_NODES,
  localSecretLabels,
  localSecretValue,
  MYSQL_INSTANCES,
  REDIS,
  redisAclLines,
  REPO_ROOT,
  serverProperties,
  VERSIONS,
  writeComposeFiles,
  ZK_SERVERS,
} from '@dsp/infra-stack';

interface ComposeService {
  image?: string;
  command?: string[];
  entrypoint?: string[];
  ports?: (string | { published: string | number; target: number })[];
  volumes?: (string | { source: string; target: string })[];
  healthcheck?: { test?: unknown };
  environment?: Record<string, string | null>;
}

const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|DIGEST|KEY|JVMFLAGS|JAAS/i;

/** Host ports a service publishes (handles both short and long syntax). */
function publishedPorts(s: ComposeService): number[] {
  return (s.ports ?? []).map((p) => (typeof p === 'string' ? Number(p.split(':').at(-2)) : Number(p.published)));
}

/** The host file mounted at `target` in a service (normalised by `docker-compose config` to an absolute path). */
function mountedAt(s: ComposeService | undefined, target: string): string | undefined {
  for (const v of s?.volumes ?? []) {
    const [src, dst] = typeof v === 'string' ? v.split(':') : [v.source, v.target];
    if (dst === target) return src;
  }
  return undefined;
}

/**
 * Literal secrets in the compose file's own text: any of this stack's secret
 * values, and any secret-looking variable whose value is not `${...}`.
 */
function literalSecrets(text: string): string[] {
  const found: string[] = [];
  for (const label of localSecretLabels()) if (text.includes(localSecretValue(label))) found.push(`the value of ${label}`);
  const raw = parse(text) as { services: Record<string, ComposeService> } & Record<string, { environment?: Record<string, unknown> }>;
  const blocks = [...Object.entries(raw.services), ...Object.entries(raw).filter(([k]) => k.startsWith('x-'))];
  for (const [name, block] of blocks) {
    const env = (block as { environment?: Record<string, unknown> }).environment ?? {};
    for (const [k, v] of Object.entries(env)) {
      if (!SECRET_NAME.test(k) || typeof v !== 'string') continue;
      const stripped = v.replace(/\$\{[A-Z0-9_]+(:\?[^}]*)?\}/g, '').replace(/-Xm[xs]\d+[mg]|-D[\w.]+=(?=\s|$)/g, '');
      if (/(password|secret|token|digest)\s*[=:]?\s*\S/i.test(stripped) || (/PASSWORD|SECRET|TOKEN/.test(k) && stripped.trim() !== ''))
        found.push(`${name}.${k}`);
    }
  }
  if (/password\s*=\s*["']?[^"'\s$]/i.test(text)) found.push('a password= literal');
  return found;
}

describe('docker-compose.yml', () => {
  let services: Record<string, ComposeService>;

  beforeAll(async () => {
    // The secrets it reads are this stack's, generated into .stack/compose/ (ADR 0013).
    writeComposeFiles();
    // `docker-compose config` validates and normalises the file without a Docker engine.
    const { stdout } = await run('docker-compose', ['--env-file', join(composeDir(), '.env'), '-f', COMPOSE_FILE, 'config']);
    services = (parse(stdout) as { services: Record<string, ComposeService> }).services;
  });

  describe('when validated by docker-compose config', () => {
    it('should pin every image to a version tag and give every service a healthcheck', () => {
      for (const [name, s] of Object.entries(services)) {
        expect({ name, image: s.image }).toEqual({ name, image: expect.stringMatching(/^[a-z0-9./_-]+:\d+(\.\d+)+$/) });
        expect({ name, healthcheck: Boolean(s.healthcheck?.test) }).toEqual({ name, healthcheck: true });
      }
    });

    it('should use the same ZooKeeper and Kafka versions as the native stack', () => {
      expect(services['zk1']?.image).toBe(`zookeeper:${VERSIONS.zookeeper}`);
      expect(services['kafka1']?.image).toBe(`apache/kafka:${VERSIONS.kafka}`);
    });

    it('should refuse to render without the generated secrets, naming the command that makes them', async () => {
      const empty = join(mkdtempSync(join(tmpdir(), 'dsp-compose-')), 'empty.env');
      writeFileSync(empty, '');
      const r = await run('docker-compose', ['--env-file', empty, '-f', COMPOSE_FILE, 'config']).then(
        () => 'rendered',
        (e: Error) => e.message,
      );
      expect(r).toContain('npm run stack -- compose-env');
    });
  });

  describe('when checked for secrets', () => {
    it('should hold no literal secret: every one is interpolated from .stack/compose/.env or mounted from .stack/compose/', () => {
      expect(literalSecrets(readFileSync(COMPOSE_FILE, 'utf8'))).toEqual([]);
    });

    it('should catch a literal secret planted in it (the check can fail)', () => {
      const text = readFileSync(COMPOSE_FILE, 'utf8');
      const planted = text.replace(/MARIADB_ROOT_PASSWORD: \$\{[^}]*\}/, 'MARIADB_ROOT_PASSWORD: hunter2');
      expect(planted).not.toBe(text);
      expect(literalSecrets(planted)).toEqual(expect.arrayContaining([expect.stringContaining('MARIADB_ROOT_PASSWORD')]));
      const leaked = text.replace('ZOO_TICK_TIME', `ZOO_PASS: '${localSecretValue('zookeeper/dsp-operator')}'\n    ZOO_TICK_TIME`);
      expect(literalSecrets(leaked)).toEqual(expect.arrayContaining(['the value of zookeeper/dsp-operator']));
    });

    it('should keep the generated files out of git', async () => {
      for (const rel of Object.keys(composeFiles())) {
        await expect(run('git', ['-C', REPO_ROOT, 'check-ignore', '-q', join(composeDir(), rel)])).resolves.toBeDefined();
      }
    });
  });

  describe('when compared with the native topology', () => {
    it('should run the same servers on the same host ports', () => {
      const native: Record<string, number> = {
        ...Object.fromEntries(ZK_SERVERS.map((s) => [`zk${s.myid}`, s.clientPort])),
        ...Object.fromEntries(KAFKA_NODES.map((n) => [`kafka${n.nodeId}`, n.brokerPort])),
        ...Object.fromEntries(MYSQL_INSTANCES.map((m) => [m.name, m.port])),
        redis: REDIS.port,
      };
      const compose = Object.fromEntries(Object.entries(services).map(([name, s]) => [name, publishedPorts(s)[0]]));
      expect(compose).toEqual(native);
    });

    it('should make exactly one ZooKeeper server an observer, as the native ensemble', () => {
      const observers = Object.entries(services).filter(([, s]) => s.environment?.['ZOO_CFG_EXTRA']?.includes('peerType=observer'));
      expect(observers.map(([n]) => n)).toEqual([`zk${ZK_SERVERS.find((s) => s.observer)?.myid}`]);
      expect(services['zk1']?.environment?.['ZOO_SERVERS']).toContain('server.4=zk4:2888:3888:observer');
    });

    it("should make the stack's operator ZooKeeper's super user on every server", () => {
      const digest = digestId(ZK_IDENTITIES.operator.user, ZK_IDENTITIES.operator.password);
      for (const s of ZK_SERVERS) {
        expect(services[`zk${s.myid}`]?.environment?.['JVMFLAGS']).toContain(
          `-Dzookeeper.DigestAuthenticationProvider.superDigest=${digest}`,
        );
      }
    });

    it("should load the native stack's Redis ACL file and check that unauthenticated clients are refused", () => {
      const redis = services['redis'];
      const aclPath = redis?.command?.[(redis.command.indexOf('--aclfile') ?? -2) + 1];
      expect(aclPath).toBe('/etc/dsp/redis/users.acl');
      const src = mountedAt(redis, '/etc/dsp/redis/users.acl');
      expect(src).toBe(join(composeDir(), 'redis', 'users.acl'));
      expect(readFileSync(src as string, 'utf8')).toBe(`${redisAclLines().join('\n')}\n`);
      expect(JSON.stringify(redis?.healthcheck?.test)).toContain('NOAUTH');
    });

    it("should run Kafka with the native stack's SASL, authorizer and super users on every listener", () => {
      const security = (props: string): string[] =>
        props
          .split('\n')
          .filter((l) => /^(authorizer|allow\.everyone|super\.users|sasl\.|listener\.name\.(broker|controller)\.)/.test(l))
          .sort();
      for (const n of KAFKA_NODES) {
        const s = services[`kafka${n.nodeId}`];
        expect(s?.entrypoint).toEqual(['/bin/bash', '/etc/dsp/kafka/start.sh']);
        const props = readFileSync(mountedAt(s, '/etc/dsp/kafka/server.properties') as string, 'utf8');
        expect(security(props)).toEqual(security(serverProperties(n)));
        const map = /^listener\.security\.protocol\.map=(.*)$/m.exec(props)?.[1]?.split(',') ?? [];
        expect(map.map((m) => m.split(':')[1])).toEqual(map.map(() => 'SASL_PLAINTEXT'));
        expect(props).toMatch(new RegExp(`^advertised\\.listeners=.*EXTERNAL://127\\.0\\.0\\.1:${n.brokerPort}`, 'm'));
        expect(props).toMatch(/^default\.replication\.factor=3$/m);
        expect(props).toMatch(/^min\.insync\.replicas=2$/m);
        expect(props).toMatch(/^auto\.create\.topics\.enable=false$/m);
        expect(props).toContain(`listener.name.external.sasl.enabled.mechanisms=SCRAM-SHA-512`);
      }
    });

    it('should format Kafka with a SCRAM user for the brokers and every identity, and check health as the operator', () => {
      const users = readFileSync(mountedAt(services['kafka1'], '/etc/dsp/kafka/scram-users') as string, 'utf8');
      for (const id of ['broker', ...Object.values(KAFKA_IDENTITIES).map((i) => i.user)]) {
        expect(users).toMatch(new RegExp(`^SCRAM-SHA-512=\\[name=${id},password=[A-Za-z0-9_-]{32}\\]$`, 'm'));
      }
      expect(JSON.stringify(services['kafka1']?.healthcheck?.test)).toContain('--command-config /etc/dsp/kafka/operator.properties');
    });

    it('should give the start script valid bash', async () => {
      await expect(run('bash', ['-n', join(REPO_ROOT, 'infra', 'compose', 'kafka', 'start.sh')])).resolves.toBeDefined();
    });

    it('should initialise each cluster with the SQL the native stack runs (no drift)', () => {
      for (const cluster of [0, 1]) {
        const primary = MYSQL_INSTANCES.find((m) => m.role === 'primary' && m.cluster === cluster);
        const src = mountedAt(services[primary?.name ?? ''], '/docker-entrypoint-initdb.d/10-init.sql');
        expect(readFileSync(src as string, 'utf8')).toBe(composeInitSql(cluster));
      }
    });
  });
});
