/**
 * Writes apps/console/public/tour.json from docs/notes.md (the page's guided
 * tour). Run it after editing the notes' table: `npx tsx apps/console/src/tour/write-tour.ts`.
 * `tour.spec.ts` fails while the two disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTour } from './tour';

const root = join(__dirname, '..', '..', '..', '..');
const points = buildTour(readFileSync(join(root, 'docs', 'notes.md'), 'utf8'));
writeFileSync(join(root, 'apps', 'console', 'public', 'tour.json'), `${JSON.stringify({ points }, null, 2)}\n`);
process.stdout.write(`wrote apps/console/public/tour.json: ${points.length} points\n`);
