import { join } from 'node:path';
import { formatFiles, generateFiles, updateJson, type Tree } from '@nx/devkit';
import { serviceNames, type ServiceNames } from './service-names';

/** `npx nx g @dsp/workspace:service <name> [--cluster 0|1] [--instances N]` (schema.json). */
export interface ServiceGeneratorOptions {
  name: string;
  /** The MariaDB cluster that holds the service's database. Default 0. */
  cluster?: number;
  /** Instances `npm start` and docker-compose run. Default 2. */
  instances?: number;
  /** Run Prettier on what changed (default true; the generator's own test turns it off to stay fast). */
  format?: boolean;
}

/** Marks the line every insertion goes before: `// @dsp/workspace:service <slot>` (or `# ...` in YAML). */
export const MARKER = '@dsp/workspace:service';

function read(tree: Tree, file: string): string {
  const text = tree.read(file, 'utf-8');
  if (text === null) throw new Error(`${file} is missing: the generator wires a service into it`);
  return text;
}

/** Inserts `text` before the marker line of `slot` in `file`, with the marker's indentation. */
export function insertAtMarker(tree: Tree, file: string, slot: string, text: string): void {
  const lines = read(tree, file).split('\n');
  const at = lines.findIndex((l) => l.trim().replace(/^(\/\/|#)\s*/, '') === `${MARKER} ${slot}`);
  if (at < 0)
    throw new Error(`${file} has no "${MARKER} ${slot}" marker line: restore it (git show HEAD:${file}) or add the ${slot} entry by hand`);
  const indent = /^\s*/.exec(lines[at] as string)?.[0] ?? '';
  const block = text.split('\n').map((l) => (l.length === 0 ? l : indent + l));
  lines.splice(at, 0, ...block);
  tree.write(file, lines.join('\n'));
}

/** Adds an import after the file's last import statement. */
function addImport(tree: Tree, file: string, statement: string): void {
  const lines = read(tree, file).split('\n');
  let last = -1;
  lines.forEach((l, i) => {
    if (/^import .* from '[^']+';$/.test(l) || /^} from '[^']+';$/.test(l)) last = i;
  });
  lines.splice(last + 1, 0, statement);
  tree.write(file, lines.join('\n'));
}

/** Inserts a Markdown table row after the last row starting with `after` in the section headed `section`. */
function addRow(tree: Tree, file: string, section: string, after: string, row: string): void {
  const lines = read(tree, file).split('\n');
  const start = lines.findIndex((l) => l.startsWith(section));
  if (start < 0) throw new Error(`${file} has no section "${section}"`);
  let at = -1;
  for (let i = start + 1; i < lines.length && !(lines[i] as string).startsWith('## '); i++) {
    if ((lines[i] as string).startsWith(after)) at = i;
  }
  if (at < 0) throw new Error(`${file}, section "${section}": no table row starting with "${after}" to add ${row} after`);
  lines.splice(at + 1, 0, row);
  tree.write(file, lines.join('\n'));
}

/** Rewrites the one line matching `pattern` (throws when none does). */
function editLine(tree: Tree, file: string, pattern: RegExp, edit: (line: string) => string): void {
  const lines = read(tree, file).split('\n');
  const at = lines.findIndex((l) => pattern.test(l));
  if (at < 0) throw new Error(`${file}: no line matches ${pattern}`);
  lines[at] = edit(lines[at] as string);
  tree.write(file, lines.join('\n'));
}

function composeBlock(n: ServiceNames, cluster: number, instances: number): string {
  const secret = (v: string): string => `\${${v}:?run \`npm run stack -- compose-env\` and pass --env-file .stack/compose/.env}`;
  const prefix = n.constName;
  return Array.from({ length: instances }, (_, i) => {
    const id = `${n.name}-${i + 1}`;
    return [
      `${id}:`,
      '  <<: *app',
      `  command: ['node', 'dist/apps/${n.name}/src/main.js']`,
      '  environment:',
      '    <<: *app-env',
      `    INSTANCE_ID: ${id}`,
      `    ADVERTISE_HOST: ${id}`,
      `    ${n.dbEnv}_DB_PRIMARY: mysql-c${cluster}-primary:3306`,
      `    ${n.dbEnv}_DB_REPLICAS: mysql-c${cluster}-replica:3306`,
      `    ${n.dbEnv}_DB_PASSWORD: ${secret(`${prefix}_DB_PASSWORD`)}`,
      `    ${n.dbEnv}_DB_MIGRATOR_PASSWORD: ${secret('DB_MIGRATOR_PASSWORD')}`,
      `    ZK_PASSWORD: ${secret(`${prefix}_ZK_PASSWORD`)}`,
      `    REDIS_PASSWORD: ${secret(`${prefix}_REDIS_PASSWORD`)}`,
      `    HTTP_PRIVATE_KEY: ${secret(`${prefix}_HTTP_PRIVATE_KEY`)}`,
      `    TRACING_PASSWORD: ${secret(`${prefix}_TRACING_PASSWORD`)}`,
      '  depends_on:',
      '    <<: *app-depends',
      `    mysql-c${cluster}-primary: { condition: service_healthy }`,
      `    mysql-c${cluster}-replica: { condition: service_healthy }`,
    ].join('\n');
  }).join('\n');
}

/**
 * Generates a service and wires it into everything the platform runs and
 * checks: the app (NestJS on Fastify through `bootstrap`: discovery, live
 * config, health, metrics, JSON logs, service tokens, graceful shutdown), its
 * domain lib with a migration, its contracts (DTOs, OpenAPI schema, public
 * routes and gateway prefix), its identity on every server (ZooKeeper, Redis,
 * MariaDB, service-to-service HTTP) with only the rights it needs, its
 * database on a cluster, `npm start`'s and docker-compose's instance plan, a
 * README row, the security doc's tables, load scenarios and an e2e spec. It
 * refuses a name the platform already has, and writes nothing then.
 */
export default async function serviceGenerator(tree: Tree, options: ServiceGeneratorOptions): Promise<void> {
  const names = read(tree, 'libs/contracts/src/service-instance.ts');
  if (names.includes(`'${options.name}'`))
    throw new Error(`${options.name} is already in SERVICE_NAMES (libs/contracts/src/service-instance.ts)`);
  const n = serviceNames(options.name);
  const cluster = options.cluster ?? 0;
  const instances = options.instances ?? 2;
  if (!Number.isInteger(cluster) || cluster < 0 || cluster > 1)
    throw new Error(`--cluster must be 0 or 1 (the stack's two MariaDB clusters), got ${cluster}`);
  if (!Number.isInteger(instances) || instances < 1 || instances > 4) throw new Error(`--instances must be 1 to 4, got ${instances}`);
  if (new RegExp(`^\\s+${n.key}:`, 'm').test(names))
    throw new Error(`${n.name} is already in SERVICE_NAMES (libs/contracts/src/service-instance.ts)`);
  for (const dir of [`apps/${n.name}`, n.domainRoot, `e2e/${n.e2eProject}`])
    if (tree.exists(dir)) throw new Error(`${dir} already exists: choose another name, or remove it first`);
  if (read(tree, 'libs/contracts/src/http/public-routes.ts').includes(`'${n.gatewayPrefix}'`))
    throw new Error(`the gateway prefix ${n.gatewayPrefix} is taken`);

  const vars = { ...n, cluster, tmpl: '' };
  const files = join(__dirname, 'files');
  generateFiles(tree, join(files, 'app'), `apps/${n.name}`, vars);
  generateFiles(tree, join(files, 'domain'), n.domainRoot, vars);
  generateFiles(tree, join(files, 'e2e'), `e2e/${n.e2eProject}`, vars);
  generateFiles(tree, join(files, 'contracts'), 'libs/contracts/src/http', vars);

  // Contracts: the one list of names, then every per-service table (each a Record<ServiceName, ...>).
  const c = 'libs/contracts/src';
  insertAtMarker(tree, `${c}/service-instance.ts`, 'service-names', `${n.key}: '${n.name}',`);
  insertAtMarker(tree, `${c}/service-instance.ts`, 'local-instances', `[SERVICE_NAMES.${n.key}]: ${instances},`);
  insertAtMarker(
    tree,
    `${c}/zk-identities.ts`,
    'zk-identities',
    `[SERVICE_NAMES.${n.key}]: withLocalPassword('zookeeper', { user: '${n.name}' }),`,
  );
  insertAtMarker(
    tree,
    `${c}/redis-identities.ts`,
    'redis-identities',
    `[SERVICE_NAMES.${n.key}]: withLocalPassword('redis', {\n  user: '${n.name}',\n  keys: ['dsp:sess:*', 'dsp:${n.short}:*'],\n  channels: [],\n}),`,
  );
  insertAtMarker(
    tree,
    `${c}/http-identities.ts`,
    'http-identities',
    `[SERVICE_NAMES.${n.key}]: localHttpIdentity(SERVICE_NAMES.${n.key}),`,
  );
  insertAtMarker(
    tree,
    `${c}/trace-identities.ts`,
    'trace-identities',
    `[SERVICE_NAMES.${n.key}]: withLocalPassword('zipkin', { user: '${n.name}', may: 'report' }),`,
  );
  insertAtMarker(
    tree,
    `${c}/http-identities.ts`,
    'http-rights',
    `[SERVICE_NAMES.${n.key}]: [\n  { caller: SERVICE_NAMES.gateway, methods: 'ANY', pathPrefix: '/api/' },\n  { caller: SERVICE_NAMES.gateway, methods: 'ANY', pathPrefix: '/internal/config' },\n],`,
  );
  insertAtMarker(tree, `${c}/local-stack.ts`, `cluster-${cluster}-databases`, `'${n.dbName}',`);
  insertAtMarker(
    tree,
    `${c}/local-stack.ts`,
    'db-users',
    `${n.key}: withLocalPassword('mariadb', { name: '${n.dbAccount}', service: SERVICE_NAMES.${n.key}, databases: ['${n.dbName}'] }),`,
  );
  addImport(tree, `${c}/http/api-schemas.ts`, `import { ${n.dbEnv}_ITEM_SCHEMA } from './${n.short}.dto';`);
  insertAtMarker(tree, `${c}/http/api-schemas.ts`, 'api-schemas', `${n.className}Item: ${n.dbEnv}_ITEM_SCHEMA,`);
  addImport(tree, `${c}/http/public-routes.ts`, `import { CREATE_${n.dbEnv}_ITEM_BODY_SCHEMA } from './${n.short}.dto';`);
  insertAtMarker(
    tree,
    `${c}/http/public-routes.ts`,
    'public-routes',
    [
      '{',
      `  url: '${n.gatewayPrefix}items',`,
      `  service: SERVICE_NAMES.${n.key},`,
      '  methods: {',
      '    POST: {',
      `      summary: 'create an item (${n.name})',`,
      "      auth: 'session',",
      `      body: CREATE_${n.dbEnv}_ITEM_BODY_SCHEMA,`,
      `      responses: { 201: ok('the new item', '${n.className}Item') },`,
      '    },',
      '  },',
      '},',
      '{',
      `  url: '${n.gatewayPrefix}items/:id',`,
      `  service: SERVICE_NAMES.${n.key},`,
      '  methods: {',
      '    GET: {',
      "      summary: 'one of my items (x-db-route says which server answered and why)',",
      "      auth: 'session',",
      `      responses: { 200: ok('the item', '${n.className}Item'), 404: err('no such item of this user') },`,
      '    },',
      '  },',
      '},',
    ].join('\n'),
  );
  insertAtMarker(
    tree,
    `${c}/http/public-routes.ts`,
    'public-prefixes',
    `{ prefix: '${n.gatewayPrefix}', service: SERVICE_NAMES.${n.key} },`,
  );
  tree.write(`${c}/index.ts`, `${read(tree, `${c}/index.ts`).trimEnd()}\nexport * from './http/${n.short}.dto';\n`);

  // The load kit: a scenario per operation (bench/load/load-kit.spec.ts requires one, or a reason).
  insertAtMarker(
    tree,
    'bench/load/scenarios.ts',
    'load-scenarios',
    [
      '{',
      `  name: '${n.short}-create-item',`,
      `  describe: 'POST ${n.gatewayPrefix}items (one row in ${n.dbName} per request) as rotating buyers',`,
      `  routes: ['POST ${n.gatewayPrefix}items'],`,
      '  buyers: true,',
      '  async prepare(ctx) {',
      '    const buyer = rotate(ctx.buyers);',
      '    let i = 0;',
      '    return {',
      '      plan: {',
      "        method: 'POST',",
      '        next: () => ({',
      `          path: '${n.gatewayPrefix}items',`,
      "          headers: { cookie: buyer().cookie, 'content-type': 'application/json' },",
      '          body: JSON.stringify({ name: `load item ${i++}`, quantity: 1 }),',
      '        }),',
      '      },',
      '    };',
      '  },',
      '},',
      '{',
      `  name: '${n.short}-item',`,
      `  describe: 'GET ${n.gatewayPrefix}items/:id of an item each buyer created first (replica reads, read-your-writes)',`,
      `  routes: ['GET ${n.gatewayPrefix}items/:id'],`,
      '  buyers: true,',
      '  async prepare(ctx) {',
      '    const owned = await Promise.all(',
      '      ctx.buyers.slice(0, 50).map(async (b) => {',
      `        const item = (await call(ctx, 'POST', '${n.gatewayPrefix}items', { name: 'load item', quantity: 1 }, { cookie: b.cookie })) as { id: string };`,
      '        return { cookie: b.cookie, id: item.id };',
      '      }),',
      '    );',
      '    const next = rotate(owned);',
      '    return {',
      '      plan: {',
      "        method: 'GET',",
      '        next: () => {',
      '          const { cookie, id } = next();',
      `          return { path: \`${n.gatewayPrefix}items/\${id}\`, headers: { cookie } };`,
      '        },',
      '      },',
      '    };',
      '  },',
      '},',
    ].join('\n'),
  );

  // Workspace: the domain lib's alias (build and typecheck resolve it alike), the stack suite's dependencies.
  const alias = (paths: Record<string, string[]>): Record<string, string[]> => ({
    ...paths,
    [n.domainAlias]: [`${n.domainRoot}/src/index.ts`],
  });
  updateJson(tree, 'tsconfig.base.json', (j: { compilerOptions: { paths: Record<string, string[]> } }) => {
    j.compilerOptions.paths = alias(j.compilerOptions.paths);
    return j;
  });
  updateJson(tree, '.swcrc', (j: { jsc: { paths: Record<string, string[]> } }) => {
    j.jsc.paths = alias(j.jsc.paths);
    return j;
  });
  updateJson(tree, 'e2e/stack-e2e/project.json', (j: { implicitDependencies: string[] }) => {
    j.implicitDependencies = [...j.implicitDependencies, n.name];
    return j;
  });

  // The service-defaults suite checks every service's readiness and consumer groups.
  const defaults = 'e2e/platform-e2e/src/service-defaults.int-spec.ts';
  insertAtMarker(tree, defaults, 'readiness-checks', `'${n.name}': ['mysql:${n.dbName}:primary', 'redis', 'zookeeper'],`);
  insertAtMarker(tree, defaults, 'consumer-groups', `'${n.name}': [],`);

  // docker-compose.yml runs npm start's plan.
  insertAtMarker(tree, 'docker-compose.yml', 'compose-services', composeBlock(n, cluster, instances));

  // Docs: the README's service table and servers table, the security doc's tables (tests compare them with the contracts).
  const x = instances === 1 ? '' : ` (x${instances})`;
  addRow(
    tree,
    'README.md',
    '## What runs',
    '| order-service',
    `| ${n.name}${x} | free port | ZooKeeper, Redis, \`${n.dbName}\` primary | \`.stack/logs/apps/${n.name}-N.log\` |`,
  );
  editLine(tree, 'README.md', new RegExp(`MariaDB cluster ${cluster}: `), (l) =>
    l.replace(new RegExp(`(MariaDB cluster ${cluster}: [^|]*?)(\\s*\\|)`), `$1, \`${n.dbName}\`$2`),
  );
  addRow(tree, 'docs/security.md', '## Redis', '| order-service', `| ${n.name} | \`dsp:sess:*\`, \`dsp:${n.short}:*\` | none |`);
  addRow(
    tree,
    'docs/security.md',
    '## Service-to-service HTTP',
    '| order-service',
    `| ${n.name} | gateway | \`/api/*\`, \`/internal/config*\` |`,
  );
  addRow(
    tree,
    'docs/security.md',
    '## MariaDB',
    '| `order_svc`',
    `| \`${n.dbAccount}\` | SELECT, INSERT, UPDATE, DELETE on \`${n.dbName}\` (${n.name}) |`,
  );
  editLine(tree, 'docs/security.md', /^\| `dsp_migrator`/, (l) => l.replace(/: the migrations/, `, \`${n.dbName}\`: the migrations`));

  if (options.format !== false) await formatFiles(tree);
}
