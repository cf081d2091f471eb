import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const read = (f: string): { compilerOptions?: { paths: unknown }; jsc?: { paths: unknown } } =>
  JSON.parse(readFileSync(join(root, f), 'utf8'));

describe('path aliases', () => {
  describe('when the build (.swcrc) and the typecheck (tsconfig.base.json) resolve @dsp/* imports', () => {
    it('should map every alias to the same file', () => {
      expect(read('.swcrc').jsc?.paths).toEqual(read('tsconfig.base.json').compilerOptions?.paths);
    });
  });
});
