import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import serviceGenerator from './generator';
import { serviceNames } from './service-names';

const ROOT = join(__dirname, '..', '..', '..', '..', '..');

/** Every file the generator edits, as the repository has it now. */
const EDITED = [
  'libs/contracts/src/service-instance.ts',
  'libs/contracts/src/zk-identities.ts',
  'libs/contracts/src/redis-identities.ts',
  'libs/contracts/src/http-identities.ts',
  'libs/contracts/src/trace-identities.ts',
  'libs/contracts/src/local-stack.ts',
  'libs/contracts/src/http/api-schemas.ts',
  'libs/contracts/src/http/public-routes.ts',
  'libs/contracts/src/index.ts',
  'bench/load/scenarios.ts',
  'e2e/platform-e2e/src/service-defaults.int-spec.ts',
  'e2e/stack-e2e/project.json',
  'tsconfig.base.json',
  '.swcrc',
  'docker-compose.yml',
  'README.md',
  'docs/security.md',
];

function repoTree(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  for (const f of EDITED) tree.write(f, readFileSync(join(ROOT, f), 'utf8'));
  return tree;
}

describe('the service generator (npx nx g @dsp/workspace:service)', () => {
  describe('when it generates inventory-service on cluster 1', () => {
    let tree: Tree;
    beforeAll(async () => {
      tree = repoTree();
      await serviceGenerator(tree, { name: 'inventory-service', cluster: 1, instances: 2, format: false });
    });
    const text = (f: string): string => tree.read(f, 'utf-8') ?? '';

    it('should create the app, its domain lib, its contracts and its e2e project', () => {
      for (const f of [
        'apps/inventory-service/project.json',
        'apps/inventory-service/src/main.ts',
        'apps/inventory-service/src/inventory-service.module.ts',
        'apps/inventory-service/src/items.controller.ts',
        'apps/inventory-service/src/public-api.spec.ts',
        'libs/domain/inventory/README.md',
        'libs/domain/inventory/src/index.ts',
        'libs/domain/inventory/src/items.service.spec.ts',
        'libs/contracts/src/http/inventory.dto.ts',
        'e2e/inventory-e2e/project.json',
        'e2e/inventory-e2e/src/inventory-service.int-spec.ts',
      ])
        expect({ f, exists: tree.exists(f) }).toEqual({ f, exists: true });
      expect(text('apps/inventory-service/src/main.ts')).toContain("name: 'inventory-service'");
      expect(text('libs/domain/inventory/src/index.ts')).toMatch(/CreateInventoryItems\d+/);
      expect(text('apps/inventory-service/src/inventory-service.config.ts')).toContain('MYSQL_CLUSTERS[1]');
      expect(JSON.parse(text('libs/domain/inventory/project.json'))).toMatchObject({
        name: 'domain-inventory',
        tags: ['type:domain', 'scope:inventory'],
      });
    });

    it('should add the name once to SERVICE_NAMES and an entry to every per-service table', () => {
      expect(text('libs/contracts/src/service-instance.ts')).toContain(
        "  inventory: 'inventory-service',\n  // @dsp/workspace:service service-names",
      );
      expect(text('libs/contracts/src/service-instance.ts')).toContain('[SERVICE_NAMES.inventory]: 2,');
      expect(text('libs/contracts/src/zk-identities.ts')).toContain(
        "[SERVICE_NAMES.inventory]: withLocalPassword('zookeeper', { user: 'inventory-service' })",
      );
      expect(text('libs/contracts/src/redis-identities.ts')).toContain("keys: ['dsp:sess:*', 'dsp:inventory:*']");
      expect(text('libs/contracts/src/http-identities.ts')).toContain(
        '[SERVICE_NAMES.inventory]: localHttpIdentity(SERVICE_NAMES.inventory)',
      );
      expect(text('libs/contracts/src/trace-identities.ts')).toContain(
        "  [SERVICE_NAMES.inventory]: withLocalPassword('zipkin', { user: 'inventory-service', may: 'report' }),\n  // @dsp/workspace:service trace-identities",
      );
      expect(text('libs/contracts/src/http-identities.ts')).toMatch(
        /\[SERVICE_NAMES\.inventory\]: \[\n\s+\{ caller: SERVICE_NAMES\.gateway, methods: 'ANY', pathPrefix: '\/api\/' \}/,
      );
      expect(text('libs/contracts/src/local-stack.ts')).toMatch(
        /'order_db_1',\n\s+'inventory_db',\n\s+\/\/ @dsp\/workspace:service cluster-1-databases/,
      );
      expect(text('libs/contracts/src/local-stack.ts')).toContain(
        "name: 'inventory_svc', service: SERVICE_NAMES.inventory, databases: ['inventory_db']",
      );
      expect(text('libs/contracts/src/http/public-routes.ts')).toContain("{ prefix: '/api/inventory/', service: SERVICE_NAMES.inventory }");
      expect(text('libs/contracts/src/http/api-schemas.ts')).toContain('InventoryItem: INVENTORY_ITEM_SCHEMA,');
      expect(text('libs/contracts/src/index.ts').trimEnd().endsWith("export * from './http/inventory.dto';")).toBe(true);
    });

    it('should wire it into the aliases, the instance plan of docker-compose, the load kit and the docs', () => {
      expect(JSON.parse(text('tsconfig.base.json')).compilerOptions.paths['@dsp/inventory']).toEqual([
        'libs/domain/inventory/src/index.ts',
      ]);
      expect(JSON.parse(text('.swcrc')).jsc.paths['@dsp/inventory']).toEqual(['libs/domain/inventory/src/index.ts']);
      expect(JSON.parse(text('e2e/stack-e2e/project.json')).implicitDependencies).toContain('inventory-service');
      const compose = text('docker-compose.yml');
      for (const id of ['inventory-service-1', 'inventory-service-2']) expect(compose).toContain(`  ${id}:\n    <<: *app\n`);
      expect(compose).toContain('INVENTORY_DB_PASSWORD: ${INVENTORY_SERVICE_DB_PASSWORD:?');
      expect(compose).toContain('TRACING_PASSWORD: ${INVENTORY_SERVICE_TRACING_PASSWORD:?');
      expect(compose).toContain('mysql-c1-primary: { condition: service_healthy }');
      expect(text('bench/load/scenarios.ts')).toContain("routes: ['GET /api/inventory/items/:id'],");
      expect(text('README.md')).toMatch(/\| inventory-service \(x2\) \| free port \|/);
      expect(text('README.md')).toMatch(/MariaDB cluster 1: `order_db_1`, `inventory_db`/);
      const security = text('docs/security.md');
      expect(security).toContain('| inventory-service | `dsp:sess:*`, `dsp:inventory:*` | none |');
      expect(security).toContain('| inventory-service | gateway | `/api/*`, `/internal/config*` |');
      expect(security).toContain('| `inventory_svc` | SELECT, INSERT, UPDATE, DELETE on `inventory_db` (inventory-service) |');
    });
  });

  describe('when the name cannot be a new service', () => {
    it.each([
      ['user-service', /already in SERVICE_NAMES/],
      ['gateway', /already in SERVICE_NAMES/],
      ['operator', /taken by the platform/],
      ['orders-service', /taken by the platform/],
      ['Inventory', /kebab-case/],
      ['inventory_service', /kebab-case/],
      ['-x', /kebab-case/],
    ])('should refuse "%s" and write nothing', async (name, reason) => {
      const tree = repoTree();
      const snapshot = (): string[] => tree.listChanges().map((c) => `${c.type} ${c.path} ${c.content?.toString('utf8').length ?? 0}`);
      const before = snapshot();
      await expect(serviceGenerator(tree, { name, format: false })).rejects.toThrow(reason);
      expect(snapshot()).toEqual(before);
    });

    it('should refuse a cluster the stack does not have', async () => {
      await expect(serviceGenerator(repoTree(), { name: 'inventory-service', cluster: 2, format: false })).rejects.toThrow(
        /--cluster must be 0 or 1/,
      );
    });

    it.each([
      ['libs/contracts/src/zk-identities.ts', 'zk-identities'],
      ['libs/contracts/src/http-identities.ts', 'http-identities'],
      ['libs/contracts/src/trace-identities.ts', 'trace-identities'],
    ])('should name the marker line it needs when %s lost its %s marker', async (f, slot) => {
      const tree = repoTree();
      tree.write(f, (tree.read(f, 'utf-8') ?? '').replace(`// @dsp/workspace:service ${slot}`, ''));
      await expect(serviceGenerator(tree, { name: 'inventory-service', format: false })).rejects.toThrow(
        `${f} has no "@dsp/workspace:service ${slot}" marker line`,
      );
    });
  });

  it('should derive every name from the service name', () => {
    expect(serviceNames('stock-level-service', 1)).toMatchObject({
      short: 'stock-level',
      key: 'stockLevel',
      className: 'StockLevel',
      appClass: 'StockLevelService',
      constName: 'STOCK_LEVEL_SERVICE',
      dbEnv: 'STOCK_LEVEL',
      dbName: 'stock_level_db',
      dbAccount: 'stock_level_svc',
      gatewayPrefix: '/api/stock-level/',
      domainAlias: '@dsp/stock-level',
      migrationClass: 'CreateStockLevelItems1',
    });
  });
});
