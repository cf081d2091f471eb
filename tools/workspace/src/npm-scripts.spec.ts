import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** Repository files a command line names: `bash x.sh`, `tsx y.ts`, `jest -c z.js`, `node w.js`. */
function filesNamed(command: string): string[] {
  return [...command.matchAll(/(?:^|\s)((?:[\w.-]+\/)*[\w.-]+\.(?:sh|ts|js|mjs|cjs|json))(?=\s|$)/g)].map((m) => m[1] as string);
}

describe('package.json scripts', () => {
  it.each(Object.entries(pkg.scripts))('"%s" should name only files that exist', (_name, command) => {
    const missing = filesNamed(command).filter((f) => !existsSync(join(ROOT, f)) && !f.startsWith('dist/'));
    expect(missing).toEqual([]);
  });

  it('should catch a script that names a missing file (the check can fail)', () => {
    expect(filesNamed('jest -c jest.unit.config.ts').filter((f) => !existsSync(join(ROOT, f)))).toEqual(['jest.unit.config.ts']);
  });
});
