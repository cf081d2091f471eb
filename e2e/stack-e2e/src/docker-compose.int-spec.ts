import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  CONSOLE_PORT,
  DB_USERS,
  HTTP_IDENTITIES,
  KAFKA_IDENTITIES,
  localAdminToken,
  localHttpPublicKeys,
  LOCAL_INSTANCES,
  REDIS_IDENTITIES,
  SERVICE_NAMES,
  METRICS_IDENTITIES,
  TRACE_IDENTITIES,
  ZK_IDENTITIES,
  type ServiceName,
} from '@dsp/contracts';
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
  PROMETHEUS,
  REDIS,
  REGISTRY_SD,
  redisAclLines,
  REPO_ROOT,
  serverProperties,
  VERSIONS,
  writeComposeFiles,
  ZIPKIN,
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
  networks?: string[] | Record<string, unknown>;
}

/** The networks a service joins (`default` when it names none). */
function networksOf(s: ComposeService | undefined): string[] {
  const n = s?.networks;
  if (n === undefined) return ['default'];
  return (Array.isArray(n) ? n : Object.keys(n)).sort();
}

const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
/** The services' containers, as npm start runs them: `<service>-<n>` per LOCAL_INSTANCES, and `gateway`. */
const APPS = [
  ...Object.entries(LOCAL_INSTANCES)
    .filter(([name]) => name !== SERVICE_NAMES.gateway)
    .flatMap(([name, n]) => Array.from({ length: n }, (_, i) => `${name}-${i + 1}`)),
  SERVICE_NAMES.gateway,
];
const appOf = (container: string): string => container.replace(/-\d+$/, '');

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

/** A secret-looking name: its value must be an interpolation, never a literal. */
const SECRET_NAME = /PASS|SECRET|TOKEN|DIGEST|AUTH|CREDENTIAL|(^|_)KEY$/i;
/** Literal secrets inside a string (a command, a healthcheck, JVM flags), once interpolations are removed. */
const SECRET_IN_TEXT = [
  /(^|\s)--?(requirepass|masterauth|pass|password|auth|a)([=\s]+)(?!\$)\S/i,
  /superDigest=(?!\$)\S/,
  /password\s*[=:]\s*["']?[^"'\s$]/i,
  /\b[\w.-]+:[^\s:@/$]{4,}@[\w.-]+/, // user:password@host
  /(^|\s)-p(?!\$)\S/, // mysql -pSECRET
  /(^|\s)[\w.-]+:[A-Za-z0-9+/_-]{20,}={0,2}(\s|$)/, // user:token, a digest
];

function strings(node: unknown, at: string, out: { at: string; value: string }[] = []): { at: string; value: string }[] {
  if (typeof node === 'string') out.push({ at, value: node });
  else if (Array.isArray(node)) {
    node.forEach((n, i) => strings(n, `${at}[${i}]`, out));
    // A command's flag and its value are two elements: check them together too.
    if (node.length > 1 && node.every((n) => typeof n === 'string') && !node.some((n) => /^[A-Za-z0-9_]+=/.test(n as string)))
      out.push({ at, value: node.join(' ') });
  } else if (node !== null && typeof node === 'object')
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (typeof v === 'string' && SECRET_NAME.test(k)) out.push({ at: `${at}.${k}`, value: `\u0000${v}` });
      else strings(v, `${at}.${k}`, out);
    }
  return out;
}

/**
 * Literal secrets in the compose file's own text: any of this stack's secret
 * values anywhere; a secret-named variable (map or `KEY=value` list form)
 * whose value is not exactly one `${VAR}` / `${VAR:?...}`; and, in every other
 * string (commands, entrypoints, healthchecks, JVM flags), a password flag, a
 * super digest, `user:password@host` or a `user:token` pair that is not
 * interpolated.
 */
function literalSecrets(text: string): string[] {
  const found: string[] = [];
  for (const label of localSecretLabels()) if (text.includes(localSecretValue(label))) found.push(`the value of ${label}`);
  const onlyInterpolation = /^\$\{[A-Z0-9_]+(:\?[^}]*)?\}$/;
  for (const { at, value } of strings(parse(text), '')) {
    const named = value.startsWith('\u0000') ? value.slice(1) : /^([A-Za-z0-9_]+)=(.*)$/.exec(value);
    if (typeof named === 'string') {
      if (!onlyInterpolation.test(named)) found.push(at);
      continue;
    }
    if (named && SECRET_NAME.test(named[1] as string)) {
      if (!onlyInterpolation.test(named[2] as string)) found.push(at);
      continue;
    }
    // Interpolations (`${VAR:?...}`) and the container's own variables (`"$$VAR"`) become `$VAR`: not literals.
    const bare = value.replace(/\$\{([A-Z0-9_]+)(:\?[^}]*)?\}/g, '$$$1').replace(/"?\$\$\{?([A-Z0-9_]+)\}?"?/g, '$$$1');
    if (SECRET_IN_TEXT.some((re) => re.test(bare))) found.push(at);
  }
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
    it('should pin every image to a version tag and give every long-running service a healthcheck', () => {
      for (const [name, s] of Object.entries(services)) {
        expect({ name, image: s.image }).toEqual({ name, image: expect.stringMatching(/^[a-z0-9./_-]+:v?\d+(\.\d+)+$/) });
        if (name !== 'init') expect({ name, healthcheck: Boolean(s.healthcheck?.test) }).toEqual({ name, healthcheck: true });
      }
    });

    it('should use the same ZooKeeper, Kafka and Zipkin versions as the native stack', () => {
      expect(services['zk1']?.image).toBe(`zookeeper:${VERSIONS.zookeeper}`);
      expect(services['kafka1']?.image).toBe(`apache/kafka:${VERSIONS.kafka}`);
      expect(services['zipkin']?.image).toBe(`openzipkin/zipkin:${VERSIONS.zipkin}`);
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

    it.each([
      ['a root password', (t: string) => t.replace(/MARIADB_ROOT_PASSWORD: \$\{[^}]*\}/, 'MARIADB_ROOT_PASSWORD: hunter2')],
      ['a requirepass flag', (t: string) => t.replace('--aclfile,', '--requirepass, hunter2xyz, --aclfile,')],
      ['a password in a healthcheck', (t: string) => t.replace("'redis-cli ping", "'redis-cli --user dsp-operator --pass hunter2 ping")],
      [
        'a super digest in JVM flags',
        (t: string) =>
          t.replace(
            'KAFKA_HEAP_OPTS: -Xmx320m',
            'KAFKA_HEAP_OPTS: -Xmx320m -Dzookeeper.DigestAuthenticationProvider.superDigest=dsp-operator:abc',
          ),
      ],
      ['an auth pair', (t: string) => t.replace("ZOO_TICK_TIME: '1000'", "ZOO_TICK_TIME: '1000'\n    ZOO_AUTH: 'dsp-operator:hunter2'")],
      [
        'a KEY=value list entry',
        (t: string) =>
          t.replace('  kafka1:\n    <<: *kafka\n', "  kafka1:\n    <<: *kafka\n    environment: ['KAFKA_SASL_PASSWORD=hunter2']\n"),
      ],
      ['a mysql -p flag', (t: string) => t.replace("'--connect'", "'--connect', '-phunter2'")],
      [
        "this stack's own operator password",
        (t: string) =>
          t.replace("ZOO_TICK_TIME: '1000'", `ZOO_TICK_TIME: '1000'\n    ZOO_X: '${localSecretValue('zookeeper/dsp-operator')}'`),
      ],
    ])('should catch %s planted in it (the check can fail)', (_what, plant) => {
      const text = readFileSync(COMPOSE_FILE, 'utf8');
      const planted = plant(text);
      expect(planted).not.toBe(text);
      expect(literalSecrets(planted)).not.toEqual([]);
    });

    it('should keep the generated files out of git', async () => {
      for (const rel of Object.keys(composeFiles())) {
        await expect(run('git', ['-C', REPO_ROOT, 'check-ignore', '-q', join(composeDir(), rel)])).resolves.toBeDefined();
      }
    });
  });

  describe('when its services are checked', () => {
    it("should run npm start's instance plan: a gateway on :8080, two user-services and two order-services", () => {
      expect(APPS).toEqual(expect.arrayContaining(['user-service-1', 'user-service-2', 'order-service-1', 'order-service-2', 'gateway']));
      expect(APPS.filter((a) => services[a] !== undefined)).toEqual(APPS);
      expect(APPS.filter((a) => publishedPorts(services[a] as ComposeService).length > 0)).toEqual(['gateway']);
      expect(publishedPorts(services['gateway'] as ComposeService)).toEqual([8080]);
    });

    it('should lay out znodes, topics and ACLs in a one-shot init service that every service waits for, once the servers are healthy', () => {
      const init = services['init'] as ComposeService & {
        command?: string[];
        restart?: string;
        depends_on?: Record<string, { condition: string }>;
      };
      expect(init).toBeDefined();
      expect(init.image).toBe(services['gateway']?.image);
      expect(init.command).toEqual(['node', 'dist/infra/stack/src/cli.js', 'compose-init']);
      expect(init.restart).toBe('no');
      expect(init.environment).toMatchObject({ PLATFORM_PROFILE: 'local', STACK_DIR: '/app/.stack' });
      // It reads this stack's seed, read-only, from what compose-env writes; nothing else of .stack/.
      expect(init.volumes).toEqual([`${join(composeDir(), 'init')}:/app/.stack:ro`]);
      expect(Object.keys(composeFiles()).filter((f) => f.startsWith('init/'))).toEqual(['init/secrets/seed']);
      const servers = [...ZK_SERVERS.filter((z) => !z.observer).map((z) => `zk${z.myid}`), ...KAFKA_NODES.map((n) => `kafka${n.nodeId}`)];
      expect(init.depends_on).toEqual(Object.fromEntries(servers.map((d) => [d, { condition: 'service_healthy' }])));
      for (const a of APPS) {
        const deps = (services[a] as { depends_on?: Record<string, { condition: string }> }).depends_on ?? {};
        expect({ a, init: deps['init'] }).toEqual({ a, init: { condition: 'service_completed_successfully' } });
      }
    });

    it('should build every service from the one Dockerfile, run its app by command and check /health/ready', () => {
      for (const a of APPS) {
        const s = services[a] as ComposeService & { build?: { dockerfile?: string } };
        expect({ a, image: s.image, dockerfile: s.build?.dockerfile }).toEqual({
          a,
          image: services['gateway']?.image,
          dockerfile: 'Dockerfile',
        });
        expect(s.command).toEqual(['node', `dist/apps/${appOf(a)}/src/main.js`]);
        expect(JSON.stringify(s.healthcheck?.test)).toContain('/health/ready');
      }
    });

    it("should give each instance its own identity on every server, this stack's, and the address it is reached at", () => {
      for (const a of APPS) {
        const app = appOf(a) as ServiceName;
        const env = services[a]?.environment ?? {};
        expect({ a, ADVERTISE_HOST: env['ADVERTISE_HOST'], HOST: env['HOST'] }).toEqual({ a, ADVERTISE_HOST: a, HOST: undefined });
        expect(env['ZK_PASSWORD']).toBe(ZK_IDENTITIES[app].password);
        expect(env['REDIS_PASSWORD']).toBe(REDIS_IDENTITIES[app].password);
        expect(env['HTTP_PRIVATE_KEY']).toBe(HTTP_IDENTITIES[app].privateKey);
        expect({ a, TRACING_URL: env['TRACING_URL'], TRACING_USER: env['TRACING_USER'] }).toEqual({
          a,
          TRACING_URL: 'http://trace-guard:9411',
          TRACING_USER: undefined, // the default: the service's name, its TRACE_IDENTITIES user
        });
        expect(TRACE_IDENTITIES[app].user).toBe(app);
        expect(env['TRACING_PASSWORD']).toBe(TRACE_IDENTITIES[app].password);
        const kafka = (KAFKA_IDENTITIES as Record<string, { password: string } | undefined>)[app];
        expect(env['KAFKA_PASSWORD']).toBe(kafka?.password);
        expect(JSON.parse(env['HTTP_PUBLIC_KEYS'] ?? '{}')).toEqual(localHttpPublicKeys());
      }
      const env = (a: string) => services[a]?.environment ?? {};
      expect(env('gateway')['ADMIN_TOKEN']).toBe(localAdminToken());
      expect(env('order-service-1')['ADMIN_TOKEN']).toBe(localAdminToken());
      for (const a of ['user-service-1', 'user-service-2']) {
        expect(env(a)).toMatchObject({
          USER_DB_PASSWORD: DB_USERS.user.password,
          USER_DB_MIGRATOR_PASSWORD: DB_USERS.migrator.password,
          USER_DB_PRIMARY: 'mysql-c0-primary:3306',
          USER_DB_REPLICAS: 'mysql-c0-replica:3306',
        });
      }
      for (const a of ['order-service-1', 'order-service-2']) {
        expect(env(a)).toMatchObject({
          ORDER_DB_PASSWORD: DB_USERS.order.password,
          ORDER_DB_MIGRATOR_PASSWORD: DB_USERS.migrator.password,
          ORDER_DB_0_PRIMARY: 'mysql-c0-primary:3306',
          ORDER_DB_0_REPLICAS: 'mysql-c0-replica:3306',
          ORDER_DB_1_PRIMARY: 'mysql-c1-primary:3306',
          ORDER_DB_1_REPLICAS: 'mysql-c1-replica:3306',
        });
      }
      const ids = APPS.map((a) => services[a]?.environment?.['INSTANCE_ID']);
      expect(new Set(ids).size).toBe(APPS.length);
    });

    it('should start each service only once the servers it uses are healthy', () => {
      const needs: Record<string, string[]> = {
        gateway: ['zk1', 'zk2', 'zk3', 'redis', 'user-service-1', 'order-service-1'],
        'user-service': ['zk1', 'redis', 'kafka1', 'kafka2', 'kafka3', 'mysql-c0-primary', 'mysql-c0-replica'],
        'order-service': ['zk1', 'redis', 'kafka1', 'mysql-c0-primary', 'mysql-c1-primary', 'mysql-c1-replica'],
      };
      for (const a of APPS) {
        const deps = (services[a] as { depends_on?: Record<string, { condition: string }> }).depends_on ?? {};
        // A generated service uses ZooKeeper and Redis like every service (and its database, on the cluster it chose).
        for (const d of needs[appOf(a)] ?? ['zk1', 'redis'])
          expect({ a, d, condition: deps[d]?.condition }).toEqual({ a, d, condition: 'service_healthy' });
      }
    });

    it('should keep Zipkin on an internal network that only the trace guard also joins, and publish only the guard', () => {
      const all = parse(readFileSync(COMPOSE_FILE, 'utf8')) as { networks?: Record<string, { internal?: boolean } | null> };
      expect(all.networks?.['traces']?.internal).toBe(true);
      const zipkin = services['zipkin'];
      expect(networksOf(zipkin)).toEqual(['traces']);
      expect(publishedPorts(zipkin as ComposeService)).toEqual([]);
      expect(zipkin?.environment).toMatchObject({ STORAGE_TYPE: 'mem' });
      const onTraces = Object.entries(services)
        .filter(([, s]) => networksOf(s).includes('traces'))
        .map(([n]) => n)
        .sort();
      expect(onTraces).toEqual(['trace-guard', 'zipkin']);
    });

    it("should run the trace guard from the services' image, forwarding to Zipkin, with this stack's seed", () => {
      const guard = services['trace-guard'] as ComposeService & { depends_on?: Record<string, { condition: string }> };
      expect(guard.image).toBe(services['gateway']?.image);
      expect(guard.command).toEqual(['node', 'dist/infra/stack/src/cli.js', 'trace-guard']);
      expect(guard.environment).toMatchObject({
        PLATFORM_PROFILE: 'local',
        STACK_DIR: '/app/.stack',
        TRACE_GUARD_UPSTREAM: 'http://zipkin:9411',
        TRACE_GUARD_HOST: '0.0.0.0',
      });
      expect(guard.volumes).toEqual(services['init']?.volumes);
      expect(networksOf(guard)).toEqual(['default', 'traces']);
      expect(publishedPorts(guard)).toEqual([ZIPKIN.port]);
      expect(guard.depends_on?.['zipkin']).toEqual({ condition: 'service_healthy' });
      expect(JSON.stringify(guard.healthcheck?.test)).toContain('401');
    });

    it("should run Prometheus from the generated config and the repository's rules, its targets from registry-sd", () => {
      const prom = services['prometheus'] as ComposeService & { depends_on?: Record<string, { condition: string }> };
      expect(prom.image).toBe('prom/prometheus:v2.42.0');
      expect(prom.command).toEqual(expect.arrayContaining(['--web.config.file=/etc/prometheus/dsp/web.yml']));
      expect(JSON.stringify(prom.command)).not.toMatch(/enable-(admin-api|lifecycle)/);
      expect(JSON.stringify(prom.volumes)).toContain(`${join(REPO_ROOT, 'infra', 'prometheus')}`);
      expect(prom.depends_on?.['registry-sd']).toEqual({ condition: 'service_healthy' });
      const files = composeFiles();
      expect(files['prometheus/prometheus.yml']).toContain('url: "http://registry-sd:9099/targets"');
      expect(files['prometheus/prometheus.yml']).toContain('"/etc/prometheus/rules/rules.yml"');
      expect(files['prometheus/web.yml']).toMatch(/^ {2}dsp-operator: "\$2[aby]\$/m);
      const sd = services['registry-sd'] as ComposeService;
      expect(sd.image).toBe(services['gateway']?.image);
      expect(sd.command).toEqual(['node', 'dist/infra/stack/src/cli.js', 'registry-sd']);
      expect(sd.volumes).toEqual(services['init']?.volumes);
      expect(JSON.stringify(sd.healthcheck?.test)).toContain('401');
      for (const a of APPS) expect(services[a]?.environment?.['METRICS_PASSWORD']).toBe(METRICS_IDENTITIES.scraper.password);
    });

    it('should call a MariaDB replica healthy only once both replication threads run', () => {
      for (const m of MYSQL_INSTANCES.filter((i) => i.role === 'replica')) {
        const test = JSON.stringify(services[m.name]?.healthcheck?.test);
        expect(test).toContain('--replication_io');
        expect(test).toContain('--replication_sql');
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
        // Zipkin publishes nothing: the guard is its only door, on the native stack's port.
        'trace-guard': ZIPKIN.port,
        'registry-sd': REGISTRY_SD.port,
        prometheus: PROMETHEUS.port,
        // The console, where `npm start` runs it.
        console: CONSOLE_PORT,
      };
      const compose = Object.fromEntries(
        Object.entries(services)
          .filter(([name]) => !APPS.includes(name))
          .map(([name, s]) => [name, publishedPorts(s)[0]]),
      );
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
