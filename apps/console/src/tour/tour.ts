/** One point of the source notes, as the console's tour shows it (docs/notes.md is the source). */
export interface TourPoint {
  /** `n1` … `n35`, `nQ`: the anchor in docs/notes.md. */
  readonly id: string;
  /** `1` … `35`, `Q`. */
  readonly label: string;
  /** The point in short; `code` spans in backticks. */
  readonly text: string;
  /** Where it is shown in code, proved by a test, explained in a doc (the cells of docs/notes.md, links as `text (docs/path)`). */
  readonly code: string;
  readonly test: string;
  readonly doc: string;
  /** The console panel (its section id) where the point is seen live. */
  readonly panel: TourPanel;
}

export type TourPanel = 'zookeeper' | 'coordination' | 'kafka' | 'mariadb' | 'redis' | 'traffic';

/**
 * Where each point is seen live on the page. The experiments that make a point
 * happen are not listed here: each experiment names its own points
 * (`Experiment.notes`), and the page joins them.
 */
export const TOUR_PANELS: Readonly<Record<string, TourPanel>> = {
  n1: 'redis',
  n2: 'mariadb',
  n3: 'mariadb',
  n4: 'mariadb',
  n5: 'kafka',
  n6: 'coordination',
  n7: 'zookeeper',
  n8: 'zookeeper',
  n9: 'zookeeper',
  n10: 'zookeeper',
  n11: 'coordination',
  n12: 'coordination',
  n13: 'coordination',
  n14: 'coordination',
  n15: 'coordination',
  n16: 'zookeeper',
  n17: 'coordination',
  n18: 'coordination',
  n19: 'coordination',
  n20: 'coordination',
  n21: 'coordination',
  n22: 'zookeeper',
  n23: 'coordination',
  n24: 'coordination',
  n25: 'coordination',
  n26: 'coordination',
  n27: 'coordination',
  n28: 'coordination',
  n29: 'coordination',
  n30: 'coordination',
  n31: 'coordination',
  n32: 'zookeeper',
  n33: 'zookeeper',
  n34: 'zookeeper',
  n35: 'zookeeper',
  nQ: 'zookeeper',
};

const ROW = /^\|\s*<a id="(n[0-9A-Z]+)"><\/a>([0-9A-Z]+)\s*\|/;

/** `[zookeeper](zookeeper.md)` → `zookeeper (docs/zookeeper.md)`; a `—` cell → ``. */
function plain(cell: string): string {
  const t = cell.trim().replace(/\[([^\]]+)\]\(([^)]+)\)/g, (_m, text: string, href: string) => `${text} (docs/${href})`);
  return t === '—' ? '' : t;
}

/**
 * The tour, in the notes' order, from docs/notes.md's table. Throws naming the
 * point when the table and {@link TOUR_PANELS} disagree (a point with no panel,
 * a panel for a point the table lacks, a row that is not five cells).
 */
export function buildTour(notesMarkdown: string): TourPoint[] {
  const points: TourPoint[] = [];
  for (const line of notesMarkdown.split('\n')) {
    const m = ROW.exec(line);
    if (!m) continue;
    const [, id = '', label = ''] = m;
    const cells = line.split('|').slice(1, -1);
    if (cells.length !== 5) throw new Error(`docs/notes.md point ${label}: expected 5 cells, found ${cells.length}`);
    const panel = TOUR_PANELS[id];
    if (!panel) throw new Error(`docs/notes.md point ${label} has no panel in TOUR_PANELS`);
    const [, text = '', code = '', test = '', doc = ''] = cells;
    points.push({ id, label, text: plain(text), code: plain(code), test: plain(test), doc: plain(doc), panel });
  }
  const missing = Object.keys(TOUR_PANELS).filter((id) => !points.some((p) => p.id === id));
  if (missing.length > 0) throw new Error(`TOUR_PANELS names points docs/notes.md lacks: ${missing.join(', ')}`);
  return points;
}
