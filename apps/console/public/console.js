// The console page: reads /api/snapshot (the console's cache, never a server) once a second and
// redraws each panel. Built with DOM calls and textContent only: no value from a server is ever
// parsed as HTML.
'use strict';

const POLL_MS = 1000;

/** el('td', {class: 'num'}, 'text', child, ...) */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null && v !== false) node.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** A table with a caption, header cells with scope, and one row per item. */
function table(caption, headers, rows) {
  return el(
    'table',
    {},
    el('caption', {}, caption),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        headers.map((h) => el('th', { scope: 'col' }, h)),
      ),
    ),
    el(
      'tbody',
      {},
      rows.length === 0
        ? el('tr', {}, el('td', { colspan: headers.length }, 'none'))
        : rows.map((cells) =>
            el(
              'tr',
              {},
              cells.map((c) => (c instanceof Node && c.nodeName === 'TD' ? c : el('td', {}, c))),
            ),
          ),
    ),
  );
}

const num = (v) => el('td', { class: 'num' }, v);
const mark = (ok, yes, no) => el('span', { class: ok ? 'good' : 'bad' }, ok ? yes : no);
const fixed = (v, d) => (v === null || v === undefined ? '–' : Number(v).toFixed(d));

const RENDER = {
  zookeeper(v) {
    const leader = v.leader === undefined ? 'no leader' : `leader: server ${v.leader}`;
    const quorum = v.votersServing >= v.quorum;
    return [
      el(
        'p',
        {},
        mark(quorum, 'has quorum', 'NO QUORUM'),
        ` — ${leader}; ${v.votersServing} voters serving, a quorum is ${v.quorum} (n/2+1).`,
      ),
      table(
        'Servers (srvr on each client port)',
        ['myid', 'configured as', 'mode', 'epoch', 'zxid', 'connections', 'znodes'],
        v.servers.map((s) =>
          s.up
            ? [
                num(s.myid),
                s.role,
                el('td', { 'data-mode': s.state.mode }, s.state.mode),
                num(s.state.epoch),
                el('td', {}, el('code', {}, s.state.zxid)),
                num(s.state.connections),
                num(s.state.nodes),
              ]
            : [num(s.myid), s.role, el('td', { 'data-mode': 'down' }, mark(false, '', `down: ${s.error}`)), '–', '–', '–', '–'],
        ),
      ),
    ];
  },
  coordination(v) {
    const services = Object.entries(v.services);
    const queue = (caption, holderName, list) =>
      table(
        caption,
        ['path', holderName, 'session', 'waiting'],
        list.map((q) => [
          el('td', {}, el('code', {}, q.path)),
          q.holderId ? `${q.holder} (${q.holderId})` : (q.holder ?? 'free'),
          q.holderSession ?? '–',
          num(q.waiters.length),
        ]),
      );
    return [
      table(
        'Registry: /services (ephemeral nodes, one per live instance)',
        ['service', 'instance', 'address', 'zone', 'registered', 'session'],
        services.flatMap(([name, list]) =>
          list.length === 0
            ? [[name, 'no instance', '', '', '', '']]
            : list.map((i) => [
                name,
                el('td', { 'data-instance': i.id }, i.id),
                `${i.address}:${i.port}`,
                i.zone,
                i.registeredAt,
                i.session,
              ]),
        ),
      ),
      queue('Leader elections: /election (the first candidate leads)', 'leader', v.elections),
      queue('Locks: /locks (the first lock node holds it, the others wait in order)', 'holder', v.locks),
      queue('Distributed jobs: /jobs/*/members (items are split among the members in order)', 'first member', v.jobs),
      el(
        'p',
        { class: 'status' },
        `${v.nodesRead} znodes read for this view${v.truncated ? ' (stopped at the bound: the view is partial)' : ''}.`,
      ),
    ];
  },
  kafka(v) {
    return [
      table(
        'Brokers',
        ['node', 'address', 'role'],
        v.brokers.map((b) => [num(b.nodeId), `${b.host}:${b.port}`, b.controller ? 'active controller' : 'broker']),
      ),
      table(
        'Partitions: leader, replicas and in-sync replicas',
        ['topic', 'partition', 'leader', 'replicas', 'ISR', 'end offset'],
        v.topics.flatMap((t) =>
          t.partitions.map((p) => [
            t.topic,
            num(p.partition),
            num(p.leader),
            p.replicas.join(', '),
            el('td', {}, mark(p.isr.length === p.replicas.length, p.isr.join(', '), `${p.isr.join(', ')} (under-replicated)`)),
            num(p.end),
          ]),
        ),
      ),
      table(
        'Consumer groups: lag per topic',
        ['group', 'state', 'members', 'lag'],
        v.groups.map((g) => [
          g.groupId,
          g.state,
          num(g.members),
          Object.entries(g.lag)
            .map(([t, n]) => `${t}: ${n}`)
            .join('; ') || '–',
        ]),
      ),
    ];
  },
  mariadb(v, all) {
    const reads = (all.traffic && all.traffic.data && all.traffic.data.reads) || [];
    return [
      table(
        'Primaries and replicas',
        ['cluster', 'primary gtid', 'replica IO', 'replica SQL', 'seconds behind', 'replica gtid', 'last error'],
        v.clusters.map((c) => [
          num(c.cluster),
          c.primary.up ? el('td', {}, el('code', {}, c.primary.gtidBinlogPos)) : el('td', {}, mark(false, '', `down: ${c.primary.error}`)),
          c.replica.up
            ? el('td', {}, mark(c.replica.ioRunning, 'running', 'stopped'))
            : el('td', {}, mark(false, '', `down: ${c.replica.error}`)),
          c.replica.up ? el('td', {}, mark(c.replica.sqlRunning, 'running', 'stopped')) : '–',
          c.replica.up ? num(c.replica.secondsBehind === null ? '–' : c.replica.secondsBehind) : '–',
          c.replica.up ? el('td', {}, el('code', {}, c.replica.gtidPos)) : '–',
          c.replica.up ? c.replica.lastError || '–' : '–',
        ]),
      ),
      table(
        'Who served recent reads (db_reads_total, last minute)',
        ['data source', 'node', 'reads/s'],
        reads.map((r) => [r.source, r.node, num(fixed(r.rps, 2))]),
      ),
    ];
  },
  redis(v) {
    const rows = [
      ['version', v.version],
      ['role', v.role],
      ['uptime', `${v.uptimeSeconds} s`],
      ['clients', v.connectedClients],
      ['memory', `${v.usedMemory}${v.maxMemory && v.maxMemory !== '0B' ? ` of ${v.maxMemory}` : ''}`],
      ['keys (sessions, limits, locks, stock)', `${v.keys} (${v.expires} with a TTL)`],
      [
        'AOF',
        v.aof.enabled
          ? `on, last write ${v.aof.lastWrite}${v.aof.size ? `, ${v.aof.size}` : ''}${v.aof.rewriteInProgress ? ', rewriting' : ''}`
          : 'off',
      ],
      ['ops/s', v.opsPerSecond],
    ];
    return [
      table(
        'Server (INFO)',
        ['what', 'value'],
        rows.map(([k, val]) => [el('th', { scope: 'row' }, k), val]),
      ),
    ];
  },
  traffic(v) {
    return [
      table(
        'Requests per service (Prometheus recording rules, last minute)',
        ['service', 'requests/s', '5xx', 'p99'],
        v.services.map((s) => [
          s.service,
          num(fixed(s.rps, 2)),
          num(`${fixed(s.errorRatio * 100, 1)} %`),
          num(s.p99 === null ? '–' : `${fixed(s.p99 * 1000, 0)} ms`),
        ]),
      ),
      table(
        'Scrape targets',
        ['service', 'instance', 'up'],
        v.targets.map((t) => [t.service, t.instance, el('td', {}, mark(t.up, 'up', 'down'))]),
      ),
      table(
        'Alerts',
        ['alert', 'state', 'summary'],
        v.alerts.map((a) => [a.name, el('td', {}, el('span', { class: a.state === 'firing' ? 'bad' : 'warn' }, a.state)), a.summary]),
      ),
      el(
        'p',
        {},
        'Traces of every hop: ',
        el('a', { href: v.zipkinUrl, target: '_blank', rel: 'noopener' }, 'open Zipkin'),
        ' (the operator’s trace credentials).',
      ),
    ];
  },
};

function statusLine(p) {
  const cadence = `read ${p.reads} times, every ${p.intervalMs} ms`;
  if (p.status === 'pending') return `Waiting for the first read (${cadence}).`;
  const when = `${p.at ? new Date(p.at).toLocaleTimeString() : ''}, took ${p.durationMs} ms; ${cadence}`;
  return p.status === 'ok' ? `Live: last read ${when}.` : `Failing: ${p.error} (shown: the last good read, if any; last try ${when}).`;
}

async function refresh() {
  let snap;
  try {
    const res = await fetch('/api/snapshot', { credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) throw new Error(`the console answered ${res.status}`);
    snap = await res.json();
  } catch (e) {
    document.getElementById('about').textContent = `Cannot reach the console: ${e.message}. Retrying…`;
    return;
  }
  document.getElementById('about').textContent =
    `Signed in as ${snap.user}; profile ${snap.profile}; updated ${new Date(snap.generatedAt).toLocaleTimeString()}.`;
  const byName = Object.fromEntries(snap.panels.map((p) => [p.name, p]));
  for (const p of snap.panels) {
    const section = document.querySelector(`section[data-panel="${p.name}"]`);
    if (!section) continue;
    section.dataset.status = p.status;
    section.dataset.reads = String(p.reads);
    section.querySelector('.status').textContent = statusLine(p);
    const body = section.querySelector('.body');
    if (p.data === undefined) continue;
    try {
      body.replaceChildren(...RENDER[p.name](p.data, byName));
    } catch (e) {
      body.replaceChildren(el('p', { class: 'bad' }, `This panel could not be drawn: ${e.message}`));
    }
  }
}

// Experiments: a button per experiment (operators only), its run's steps as they happen, then the verdict and evidence.
let experimentsMeta;
let watching;

const SERIES_COLOURS = ['#0b57d0', '#b3261e', '#0b6b2b', '#7a4d00', '#6a1b9a', '#00695c'];

/** svg('line', {x1: 0, ...}): an SVG element (its attributes set, never parsed). */
function svg(tag, attrs, ...children) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  for (const c of children.flat(Infinity)) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

/** A run's live chart: one polyline per series over the run's time axis, a legend, and its numbers in words for screen readers. */
function renderChart(chart) {
  const W = 640;
  const H = 200;
  const PAD = 36;
  const all = chart.series.flatMap((s) => s.points);
  const minT = all.length > 0 ? Math.min(...all.map((p) => p[0])) : 0;
  const maxT = Math.max(minT + 1, ...all.map((p) => p[0]));
  const maxV = Math.max(1, ...all.map((p) => p[1]));
  const x = (t) => PAD + ((W - 2 * PAD) * (t - minT)) / (maxT - minT);
  const y = (v) => H - PAD + ((2 * PAD - H) * v) / maxV;
  const peak = (s) => Math.max(0, ...s.points.map((p) => p[1]));
  const words = chart.series.map((s) => `${s.name} peaks at ${peak(s)} ${chart.unit}`).join('; ');
  const picture = svg(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${chart.title}: ${words || 'no points yet'}`, class: 'chart' },
    svg('line', { x1: PAD, y1: H - PAD, x2: W - PAD, y2: H - PAD, class: 'axis' }),
    svg('line', { x1: PAD, y1: PAD, x2: PAD, y2: H - PAD, class: 'axis' }),
    svg('text', { x: PAD - 4, y: PAD + 4, 'text-anchor': 'end', class: 'tick' }, String(maxV)),
    svg('text', { x: PAD - 4, y: H - PAD + 4, 'text-anchor': 'end', class: 'tick' }, '0'),
    svg('text', { x: PAD, y: H - PAD + 16, 'text-anchor': 'start', class: 'tick' }, `+${(minT / 1000).toFixed(1)} s`),
    svg('text', { x: W - PAD, y: H - PAD + 16, 'text-anchor': 'end', class: 'tick' }, `+${(maxT / 1000).toFixed(1)} s`),
    chart.series.map((s, i) =>
      svg('polyline', {
        points: s.points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' '),
        fill: 'none',
        stroke: SERIES_COLOURS[i % SERIES_COLOURS.length],
        'stroke-width': 2,
        'data-series': s.name,
      }),
    ),
  );
  const legend = el(
    'ul',
    { class: 'legend' },
    chart.series.map((s, i) =>
      el(
        'li',
        {},
        svg(
          'svg',
          { class: 'swatch', viewBox: '0 0 10 10', 'aria-hidden': 'true' },
          svg('rect', { width: 10, height: 10, fill: SERIES_COLOURS[i % SERIES_COLOURS.length] }),
        ),
        `${s.name}: peak ${peak(s)} ${chart.unit}`,
      ),
    ),
  );
  return el(
    'figure',
    { class: 'run-chart', 'data-chart': chart.title },
    el('figcaption', {}, `${chart.title} (${chart.unit})`),
    picture,
    legend,
  );
}

function renderRun(box, run) {
  const state = { running: 'Running…', held: 'HELD', broken: 'DID NOT HOLD', failed: 'COULD NOT RUN' }[run.state];
  const out = [
    el(
      'p',
      { class: `verdict ${run.state === 'held' ? 'good' : run.state === 'running' ? 'warn' : 'bad'}`, 'data-run-state': run.state },
      `${state}${run.verdict ? `: ${run.verdict.summary}` : run.error ? `: ${run.error}` : ''}`,
    ),
    el(
      'ol',
      { class: 'steps' },
      run.steps.map((s) => el('li', {}, `+${(s.atMs / 1000).toFixed(1)} s  ${s.text}`)),
    ),
  ];
  if (run.chart) out.push(renderChart(run.chart));
  if (run.verdict && run.verdict.evidence.length > 0) {
    const keys = Object.keys(run.verdict.evidence[0]);
    out.push(
      table(
        'Evidence',
        keys,
        run.verdict.evidence.map((row) => keys.map((k) => String(row[k]))),
      ),
    );
  }
  out.push(
    el(
      'p',
      { class: 'status' },
      `run ${run.id} by ${run.by}, started ${new Date(run.startedAt).toLocaleTimeString()}${run.durationMs !== undefined ? `, ${(run.durationMs / 1000).toFixed(1)} s` : ''}`,
    ),
  );
  box.replaceChildren(...out);
}

async function startExperiment(name, button, box) {
  button.disabled = true;
  box.replaceChildren(el('p', { class: 'verdict warn' }, 'Starting…'));
  try {
    const res = await fetch(`/api/experiments/${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { 'x-dsp-console': '1' },
      credentials: 'same-origin',
    });
    const body = await res.json();
    if (res.status !== 202) {
      box.replaceChildren(el('p', { class: 'verdict bad', 'data-run-state': 'refused' }, `Refused (${res.status}): ${body.reason}`));
      return;
    }
    watching = body.id;
    for (;;) {
      const run = await (await fetch(`/api/experiments/runs/${body.id}`, { credentials: 'same-origin' })).json();
      renderRun(box, run);
      if (run.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (e) {
    box.replaceChildren(el('p', { class: 'verdict bad' }, `The console did not answer: ${e.message}`));
  } finally {
    watching = undefined;
    void loadExperiments();
  }
}

async function loadExperiments() {
  const status = document.getElementById('experiments-status');
  let meta;
  try {
    meta = await (await fetch('/api/experiments', { credentials: 'same-origin' })).json();
  } catch (e) {
    status.textContent = `Cannot load the experiments: ${e.message}`;
    return;
  }
  const first = experimentsMeta === undefined;
  experimentsMeta = meta;
  status.textContent = !meta.available
    ? `Experiments are off here: ${meta.reason}`
    : meta.mayRun
      ? 'Each button disturbs the local stack on purpose, shows what happens, and puts the stack back. One at a time.'
      : 'You may watch the runs; running one takes the operator (dsp-operator).';
  const list = document.getElementById('experiments-list');
  for (const x of meta.experiments) {
    let item = list.querySelector(`[data-experiment="${x.name}"]`);
    if (!item) {
      const box = el('div', { class: 'run', 'aria-live': 'polite' });
      const button = el('button', { type: 'button', 'data-run': x.name }, x.title);
      button.addEventListener('click', () => void startExperiment(x.name, button, box));
      item = el(
        'article',
        { class: 'experiment', 'data-experiment': x.name, 'aria-labelledby': `x-${x.name}` },
        el('h3', { id: `x-${x.name}` }, x.title),
        el('p', {}, x.description, ' Source notes (docs/notes.md): ', x.notes.map((n) => n.replace(/^n/, '')).join(', '), '.'),
        button,
        box,
      );
      list.append(item);
    }
    item.querySelector('button').disabled = !meta.available || !meta.mayRun || watching !== undefined;
    if (first && x.lastRun) renderRun(item.querySelector('.run'), x.lastRun);
  }
  if (tour) renderTour();
}

// The guided tour (docs/notes.md, in order): each point with the panel where it is seen live, the experiments that
// make it happen (each experiment names its points), and where its code, test and doc are.
const PANEL_TITLES = {
  zookeeper: 'ZooKeeper ensemble',
  coordination: 'Registry, leaders and locks',
  kafka: 'Kafka',
  mariadb: 'MariaDB clusters',
  redis: 'Redis',
  traffic: 'Traffic and traces',
};
let tour;
let tourAt = 0;

/** Text with `code` spans, as DOM nodes. */
function withCode(text) {
  return text.split('`').map((part, i) => (i % 2 === 1 ? el('code', {}, part) : part));
}

function renderTour() {
  const body = document.getElementById('tour-body');
  const point = tour.points[tourAt];
  const experiments = (experimentsMeta?.experiments ?? []).filter((x) => x.notes.includes(point.id));
  const select = el(
    'select',
    { id: 'tour-point' },
    tour.points.map((p, i) =>
      el('option', { value: p.id, selected: i === tourAt }, `${p.label}. ${p.text.replaceAll('`', '').slice(0, 70)}`),
    ),
  );
  select.addEventListener('change', () => goTour(select.selectedIndex));
  const prev = el('button', { type: 'button', 'data-tour': 'previous', disabled: tourAt === 0 }, 'Previous point');
  const next = el('button', { type: 'button', 'data-tour': 'next', disabled: tourAt === tour.points.length - 1 }, 'Next point');
  prev.addEventListener('click', () => goTour(tourAt - 1));
  next.addEventListener('click', () => goTour(tourAt + 1));
  const runs = experiments.map((x) => {
    const own = document.querySelector(`[data-experiment="${x.name}"] button`);
    const b = el('button', { type: 'button', 'data-tour-run': x.name, disabled: !own || own.disabled }, `Run: ${x.title}`);
    b.addEventListener('click', () => {
      const target = document.querySelector(`[data-experiment="${x.name}"]`);
      target?.scrollIntoView({ block: 'start' });
      target?.querySelector('button')?.click();
    });
    return el('li', {}, b, ' ', el('a', { href: `#x-${x.name}` }, 'its verdict and evidence'));
  });
  body.replaceChildren(
    el('p', { class: 'tour-nav' }, el('label', { for: 'tour-point' }, 'Go to point '), select, ' ', prev, ' ', next),
    el(
      'article',
      { class: 'tour-point', 'data-point': point.id, 'aria-labelledby': 'tour-point-h' },
      el('h3', { id: 'tour-point-h', tabindex: '-1' }, `Point ${point.label} of the notes (${tourAt + 1} of ${tour.points.length})`),
      el('p', { class: 'tour-text' }, withCode(point.text)),
      el('p', {}, 'See it live: ', el('a', { href: `#${point.panel}`, 'data-tour-panel': point.panel }, PANEL_TITLES[point.panel])),
      experiments.length > 0
        ? el('div', {}, el('p', {}, 'Make it happen:'), el('ul', { class: 'tour-runs' }, runs))
        : el('p', {}, 'Make it happen: no experiment; its test proves it against the real servers.'),
      el(
        'dl',
        {},
        [
          ['Code', point.code],
          ['Test', point.test],
          ['Doc', point.doc],
        ].map(([k, v]) => [el('dt', {}, k), el('dd', {}, v ? withCode(v) : '—')]),
      ),
    ),
  );
}

function goTour(i) {
  tourAt = Math.max(0, Math.min(tour.points.length - 1, i));
  history.replaceState(null, '', `#tour-${tour.points[tourAt].id}`);
  renderTour();
  document.getElementById('tour-point-h').focus?.();
}

async function loadTour() {
  const status = document.getElementById('tour-status');
  try {
    const res = await fetch('/tour.json', { credentials: 'same-origin' });
    if (!res.ok) throw new Error(`the console answered ${res.status}`);
    const body = await res.json();
    if (!Array.isArray(body.points) || body.points.length === 0) throw new Error('it has no points');
    tour = body;
  } catch (e) {
    status.textContent = `Cannot load the tour: ${e.message}`;
    return;
  }
  const wanted = /^#tour-(n[0-9A-Z]+)$/.exec(location.hash)?.[1];
  const found = tour.points.findIndex((p) => p.id === wanted);
  if (found >= 0) tourAt = found;
  window.addEventListener('hashchange', () => {
    const to = /^#tour-(n[0-9A-Z]+)$/.exec(location.hash)?.[1];
    const at = tour.points.findIndex((p) => p.id === to);
    if (at >= 0) goTour(at);
  });
  status.textContent = `${tour.points.length} points, in the notes' order. Each: where to see it live, the experiment that makes it happen (an operator's button), and its code, test and doc (docs/notes.md).`;
  renderTour();
}

function loop() {
  void refresh().finally(() => setTimeout(loop, POLL_MS));
}
document.addEventListener('DOMContentLoaded', () => {
  loop();
  void loadExperiments().then(loadTour);
});
