import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTour, TOUR_PANELS } from './tour';

const ROOT = join(__dirname, '..', '..', '..', '..');
const notes = readFileSync(join(ROOT, 'docs', 'notes.md'), 'utf8');

describe('the guided tour', () => {
  it('should be docs/notes.md as it is now (else run: npx tsx apps/console/src/tour/write-tour.ts)', () => {
    const shipped = JSON.parse(readFileSync(join(ROOT, 'apps', 'console', 'public', 'tour.json'), 'utf8')) as unknown;
    expect(shipped).toEqual({ points: buildTour(notes) });
  });

  it('should walk every point of the notes in order, each with a panel of the page', () => {
    const points = buildTour(notes);
    expect(points.map((p) => p.label)).toEqual([...Array.from({ length: 35 }, (_, i) => String(i + 1)), 'Q']);
    const page = readFileSync(join(ROOT, 'apps', 'console', 'public', 'index.html'), 'utf8');
    for (const p of points) expect({ point: p.id, panel: page.includes(`<section id="${p.panel}"`) }).toEqual({ point: p.id, panel: true });
  });

  it('should point only at files a fresh clone has', () => {
    const paths = buildTour(notes).flatMap((p) =>
      [...`${p.code} ${p.test}`.matchAll(/`([^`\s]+\/[^`\s]*)`/g)].map((m) => ({ point: p.id, path: (m[1] ?? '').replace(/[:#].*$/, '') })),
    );
    expect(paths.length).toBeGreaterThan(30);
    const resolvable = paths.filter(({ path }) => !path.startsWith('recipes/') && !path.startsWith('wire/'));
    expect(resolvable.filter(({ path }) => !existsSync(join(ROOT, path)))).toEqual([]);
  });

  it('should name the point when the table and the panels disagree', () => {
    expect(() => buildTour(notes.replace('<a id="n7"></a>7', '<a id="n99"></a>99'))).toThrow(
      'docs/notes.md point 99 has no panel in TOUR_PANELS',
    );
    expect(() => buildTour(notes.replace(/^\| <a id="nQ".*$/m, ''))).toThrow('TOUR_PANELS names points docs/notes.md lacks: nQ');
    expect(Object.keys(TOUR_PANELS)).toHaveLength(36);
  });
});
