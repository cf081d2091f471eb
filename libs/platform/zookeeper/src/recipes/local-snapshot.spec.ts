import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJsonLogger } from '@dsp/service-defaults';
import { LocalSnapshot } from './local-snapshot';

describe('LocalSnapshot', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'snap-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const chunks: string[] = [];
  const logger = createJsonLogger({
    service: 'spec',
    instanceId: 'spec',
    level: 'warn',
    destination: { write: (c: string) => void chunks.push(c) },
  });

  it('should read back what it wrote, creating the directory, and leave no temporary file behind', () => {
    const s = new LocalSnapshot<{ values: Record<string, number> }>(join(dir(), 'nested', 'config.json'), logger, 'spec');
    s.write({ values: { a: 1 } });
    s.write({ values: { a: 2 } });
    expect(s.read()).toEqual({ values: { a: 2 } });
    expect(readdirSync(join(s.file, '..'))).toEqual(['config.json']);
  });

  it('should read a missing or corrupt file as undefined', () => {
    const d = dir();
    expect(new LocalSnapshot(join(d, 'none.json'), logger, 'spec').read()).toBeUndefined();
    writeFileSync(join(d, 'bad.json'), '{"values": ');
    expect(new LocalSnapshot(join(d, 'bad.json'), logger, 'spec').read()).toBeUndefined();
  });

  it('should log, not throw, when it cannot write (its directory cannot be made)', () => {
    const d = dir();
    writeFileSync(join(d, 'a-file'), 'x'); // a file where the snapshot's directory should be
    const s = new LocalSnapshot(join(d, 'a-file', 'config.json'), logger, 'spec');
    expect(() => s.write({ v: 2 })).not.toThrow();
    expect(s.read()).toBeUndefined();
    expect(chunks.join('')).toMatch(/could not write the local snapshot/);
  });
});
