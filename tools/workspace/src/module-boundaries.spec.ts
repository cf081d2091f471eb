import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

/**
 * The workspace's architecture rules, proved against the real lint config:
 * apps never import apps, infra clients only inside their owning lib, and
 * tags restrict who may depend on whom.
 */
describe('module boundaries (eslint.config.mjs)', () => {
  // Each case starts the real ESLint CLI (loading the whole config and the Nx project graph): about
  // 2-4 s on a quiet 2-core machine, over 5 s (Jest's default) when a core is busy.
  jest.setTimeout(60_000);

  beforeAll(() => {
    // The Nx rule reads the cached project graph; compute it as `npm run lint` does.
    execFileSync('npx', ['nx', 'show', 'projects'], { cwd: root, env: { ...process.env, NX_DAEMON: 'false' }, stdio: 'ignore' });
  });

  /** Lints `code` as if it were the file at `filePath`, with the workspace's real ESLint CLI and config. */
  function errors(filePath: string, code: string): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        join(root, 'node_modules', '.bin', 'eslint'),
        ['--format', 'json', '--stdin', '--stdin-filename', join(root, filePath)],
        { cwd: root },
        (err, stdout) => {
          try {
            const [result] = JSON.parse(stdout) as { messages: { severity: number; ruleId: string; message: string }[] }[];
            resolve((result?.messages ?? []).filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`));
          } catch {
            reject(err ?? new Error(`eslint printed no JSON: ${stdout}`));
          }
        },
      );
      child.stdin?.end(code);
    });
  }

  describe('when an app imports another app', () => {
    it('should fail lint', async () => {
      const e = await errors(
        'apps/gateway/src/x.ts',
        "import { UserServiceModule } from '../../user-service/src/user-service.module';\nexport const x = UserServiceModule;\n",
      );
      expect(e.join('\n')).toMatch(/@nx\/enforce-module-boundaries/);
    });
  });

  describe('when code outside its owning lib imports an infra client', () => {
    it.each([
      ['apps/gateway/src/x.ts', 'ioredis'],
      ['apps/order-service/src/x.ts', 'kafkajs'],
      ['libs/platform/redis/src/x.ts', 'kafkajs'],
      ['libs/platform/zookeeper/src/x.ts', 'mysql2/promise'],
    ])('%s importing %s should fail lint', async (file, mod) => {
      const e = await errors(file, `import * as m from '${mod}';\nexport const x = m;\n`);
      expect(e.join('\n')).toMatch(/no-restricted-imports/);
    });
  });

  describe('when a lib imports upwards', () => {
    it('should not let contracts import a platform lib, nor an app import the test kit', async () => {
      const platform = await errors(
        'libs/contracts/src/x.ts',
        "import { ZookeeperClient } from '@dsp/zookeeper';\nexport const x = ZookeeperClient;\n",
      );
      expect(platform.join('\n')).toMatch(/@nx\/enforce-module-boundaries/);
      const testing = await errors('apps/gateway/src/x.ts', "import { eventually } from '@dsp/testing';\nexport const x = eventually;\n");
      expect(testing.join('\n')).toMatch(/@nx\/enforce-module-boundaries/);
    });
  });

  describe('when code uses the ops lib (stack control, seeding)', () => {
    it('should let an app import it, but not the stack manager or the test kit directly', async () => {
      expect(await errors('apps/gateway/src/x.ts', "import { stackControl } from '@dsp/ops';\nexport const x = stackControl;\n")).toEqual(
        [],
      );
      const stack = await errors(
        'apps/gateway/src/x.ts',
        "import { stackRunning } from '@dsp/infra-stack';\nexport const x = stackRunning;\n",
      );
      expect(stack.join('\n')).toMatch(/@nx\/enforce-module-boundaries/);
    });

    it('should not let ops import the test kit or the load kit, nor the stack manager import ops', async () => {
      const kit = await errors('infra/ops/src/x.ts', "import { eventually } from '@dsp/testing';\nexport const x = eventually;\n");
      expect(kit.join('\n')).toMatch(/@nx\/enforce-module-boundaries/);
      const load = await errors('infra/ops/src/x.ts', "import { runLoad } from '@dsp/load-kit';\nexport const x = runLoad;\n");
      expect(load.join('\n')).toMatch(/@nx\/enforce-module-boundaries/);
      const up = await errors('infra/stack/src/x.ts', "import { stackControl } from '@dsp/ops';\nexport const x = stackControl;\n");
      expect(up.join('\n')).toMatch(/@nx\/enforce-module-boundaries/);
    });
  });

  describe('when an owning lib imports its own client', () => {
    it('should pass lint', async () => {
      const e = await errors('libs/platform/redis/src/x.ts', "import Redis from 'ioredis';\nexport const x = Redis;\n");
      expect(e).toEqual([]);
    });
  });
});
