import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { CONSOLE_IDENTITIES, TOPICS } from '@dsp/contracts';
import { REPO_ROOT } from '@dsp/infra-stack';
import {
  eventually,
  kafkaAs,
  launchChromium,
  redisAs,
  spawnService,
  startPlatform,
  type PlatformFleet,
  type SpawnedService,
} from '@dsp/testing';

/** Screenshots of each panel, for people and for docs/img (scripts/console-screenshots.sh). */
const SHOTS = join(REPO_ROOT, 'reports', 'console');
const PANELS = ['zookeeper', 'coordination', 'kafka', 'mariadb', 'redis', 'traffic'] as const;
const POLL_MS = 250;

/**
 * The console's read-only panels in a real Chromium (Debian's), against the
 * real stack and a real fleet (issue 16, slice 2): each panel shows what the
 * servers say, live; the door keeps out anyone without a console identity;
 * the page passes axe-core's checks and is usable from the keyboard; and however
 * many browsers look, the servers are read once per probe interval.
 */
describe('the console shows the live stack in a real browser (Chromium, real servers)', () => {
  let fleet: PlatformFleet;
  let console_: SpawnedService;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let page: Page;

  const panel = (name: string) => page.locator(`section[data-panel="${name}"]`);

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [fleet, console_, chromium] = await Promise.all([
      startPlatform({ users: 1, orders: 1 }),
      spawnService('console', { CONSOLE_PORT: '0', CONSOLE_POLL_MS: String(POLL_MS) }, 30_000),
      launchChromium(),
    ]);
    context = await chromium.browser.newContext({
      httpCredentials: { username: CONSOLE_IDENTITIES.viewer.user, password: CONSOLE_IDENTITIES.viewer.password },
      viewport: { width: 1400, height: 1000 },
    });
    page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    const res = await page.goto(console_.url);
    expect(res?.status()).toBe(200);
    for (const name of PANELS) await page.locator(`section[data-panel="${name}"][data-status="ok"]`).waitFor({ timeout: 20_000 });
    // No script error, no CSP violation: the page runs on its own files only.
    expect(errors).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await chromium?.close();
    await console_?.stop();
    await fleet?.stop();
  });

  it('should refuse a browser without a console identity or with a wrong password: 401, a basic challenge, no panel', async () => {
    for (const httpCredentials of [undefined, { username: CONSOLE_IDENTITIES.viewer.user, password: 'guessed' }]) {
      const stranger = await chromium.browser.newContext(httpCredentials ? { httpCredentials } : {});
      try {
        const p = await stranger.newPage();
        const nav = await p.goto(console_.url).then(
          async (r) => ({ status: r?.status(), panels: await p.locator('section[data-panel]').count() }),
          (e: Error) => ({ error: e.message }),
        );
        // Without credentials headless Chromium, which cannot show the sign-in prompt a 401 asks for, abandons
        // the navigation; with wrong ones it answers the challenge once and shows the second 401.
        expect(nav).toEqual(
          httpCredentials ? { status: 401, panels: 0 } : { error: expect.stringMatching(/ERR_INVALID_AUTH_CREDENTIALS/) },
        );
        const res = await stranger.request.get(`${console_.url}/api/snapshot`);
        expect(res.status()).toBe(401);
        expect(res.headers()['www-authenticate']).toMatch(/^Basic realm="dsp console"/);
        expect(await res.text()).not.toMatch(/"panels"/);
      } finally {
        await stranger.close();
      }
    }
  });

  it('should show the ensemble: 3 voters with exactly one leader, the observer as observer, each epoch and zxid', async () => {
    const rows = panel('zookeeper').locator('tbody tr');
    await expect(rows.count()).resolves.toBe(4);
    const modes = await panel('zookeeper')
      .locator('td[data-mode]')
      .evaluateAll((tds) => tds.map((t) => t.getAttribute('data-mode')));
    expect(modes.filter((m) => m === 'leader')).toHaveLength(1);
    expect(modes[3]).toBe('observer');
    expect(modes.slice(0, 3).sort()).toEqual(['follower', 'follower', 'leader']);
    await expect(panel('zookeeper').textContent()).resolves.toMatch(/has quorum — leader: server [123]; 3 voters serving, a quorum is 2/);
    await expect(rows.first().locator('code').textContent()).resolves.toMatch(/^0x[0-9a-f]+$/);
    await panel('zookeeper').screenshot({ path: join(SHOTS, 'zookeeper.png') });
  });

  it('should show instances appear in and vanish from the registry as they start and stop, and the relay latch leader', async () => {
    const user = fleet.users[0] as SpawnedService;
    const id = (svc: SpawnedService): string => (/"instance":"([^"]+)"/.exec(svc.output()) ?? [])[1] as string;
    await panel('coordination')
      .locator(`td[data-instance="${id(user)}"]`)
      .waitFor();
    const extra = await spawnService('user-service', { PORT: '0' }, 60_000);
    try {
      await panel('coordination')
        .locator(`td[data-instance="${id(extra)}"]`)
        .waitFor({ timeout: 10_000 });
    } finally {
      await extra.stop();
    }
    await panel('coordination')
      .locator(`td[data-instance="${id(extra)}"]`)
      .waitFor({ state: 'detached', timeout: 10_000 });
    await expect(
      panel('coordination')
        .locator(`td[data-instance="${id(user)}"]`)
        .count(),
    ).resolves.toBe(1);
    const order = fleet.orders[0] as SpawnedService;
    await eventually(async () =>
      expect(await panel('coordination').textContent()).toMatch(
        new RegExp(`/election/order-service/order-outbox-relay.*\\(${id(order)}\\)`),
      ),
    );
    await panel('coordination').screenshot({ path: join(SHOTS, 'coordination.png') });
  });

  it("should show Kafka's brokers with one active controller and every platform partition with its leader and ISR", async () => {
    const admin = kafkaAs('operator').admin();
    await admin.connect();
    let partitions = 0;
    try {
      const meta = await admin.fetchTopicMetadata({ topics: Object.values(TOPICS) });
      partitions = meta.topics.reduce((n, t) => n + t.partitions.length, 0);
    } finally {
      await admin.disconnect();
    }
    const tables = panel('kafka').locator('table');
    await expect(tables.nth(0).locator('tbody tr').count()).resolves.toBe(3);
    await expect(tables.nth(0).getByText('active controller').count()).resolves.toBe(1);
    await expect(tables.nth(1).locator('tbody tr').count()).resolves.toBe(partitions);
    await expect(tables.nth(2).textContent()).resolves.toMatch(/user-service\.order-stats/);
    await panel('kafka').screenshot({ path: join(SHOTS, 'kafka.png') });
  });

  it('should show both MariaDB clusters replicating (IO and SQL threads running), Redis with AOF on, and traffic with a Zipkin link', async () => {
    const clusters = panel('mariadb').locator('table').first().locator('tbody tr');
    await expect(clusters.count()).resolves.toBe(2);
    for (let i = 0; i < 2; i++) await expect(clusters.nth(i).getByText('running').count()).resolves.toBe(2);
    await expect(panel('redis').textContent()).resolves.toMatch(/AOF\s*on, last write ok/);
    await expect(panel('traffic').getByRole('link', { name: 'open Zipkin' }).getAttribute('href')).resolves.toMatch(/:9411\/zipkin\/$/);
    // The fleet is scraped through registry-sd: its instances show as targets once Prometheus found them.
    await eventually(async () => expect(await panel('traffic').locator('table').nth(1).textContent()).toMatch(/user-service/), 45_000);
    for (const name of ['mariadb', 'redis', 'traffic']) await panel(name).screenshot({ path: join(SHOTS, `${name}.png`) });
    await page.screenshot({ path: join(SHOTS, 'console.png'), fullPage: true });
  });

  it("should walk the notes' points in order, each with its live panel, its experiments and its code, test and doc", async () => {
    const tour = JSON.parse(readFileSync(join(REPO_ROOT, 'apps', 'console', 'public', 'tour.json'), 'utf8')) as {
      points: { id: string; label: string; text: string; code: string; panel: string }[];
    };
    const listed = (await (await context.request.get(`${console_.url}/api/experiments`)).json()) as {
      experiments: { name: string; notes: string[] }[];
    };
    expect(tour.points).toHaveLength(36);
    await expect(page.locator('[data-tour="previous"]').isDisabled()).resolves.toBe(true);
    const shown = new Set<string>();
    for (const [i, p] of tour.points.entries()) {
      const point = page.locator(`[data-point="${p.id}"]`);
      await point.waitFor();
      await expect(point.locator('h3').textContent()).resolves.toBe(`Point ${p.label} of the notes (${i + 1} of 36)`);
      await expect(point.locator('.tour-text').textContent()).resolves.toBe(p.text.replaceAll('`', ''));
      await expect(point.locator('[data-tour-panel]').getAttribute('href')).resolves.toBe(`#${p.panel}`);
      await expect(page.locator(`section#${p.panel}[data-panel="${p.panel}"]`).count()).resolves.toBe(1);
      const runs = await point.locator('[data-tour-run]').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-tour-run')));
      expect(runs).toEqual(listed.experiments.filter((x) => x.notes.includes(p.id)).map((x) => x.name));
      runs.forEach((r) => shown.add(r ?? ''));
      // The viewer may not run one: the tour's button is disabled like the experiment's own.
      for (const b of await point.locator('[data-tour-run]').all()) await expect(b.isDisabled()).resolves.toBe(true);
      if (p.id === 'n5') await page.locator('#tour').screenshot({ path: join(SHOTS, 'tour.png') });
      if (i < tour.points.length - 1) await page.locator('[data-tour="next"]').click();
    }
    await expect(page.locator('[data-tour="next"]').isDisabled()).resolves.toBe(true);
    // Every experiment is reached from the tour.
    expect([...shown].sort()).toEqual(listed.experiments.map((x) => x.name).sort());
    // A point's own address opens the tour there: followed within the page, and loaded afresh.
    await page.goto(`${console_.url}/#tour-n29`);
    await expect(page.locator('[data-point="n29"] h3').textContent()).resolves.toBe('Point 29 of the notes (29 of 36)');
    await page.reload();
    await expect(page.locator('[data-point="n29"] h3').textContent()).resolves.toBe('Point 29 of the notes (29 of 36)');
  });

  it('should pass axe-core (WCAG 2.1 A and AA) and be usable from the keyboard', async () => {
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    // Strings, not functions: the test's TypeScript has no DOM types; they run in the page.
    const violations = await page.evaluate(
      `axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
         .then((r) => r.violations.map((v) => v.id + ' (' + v.nodes.length + ')'))`,
    );
    expect(violations).toEqual([]);
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement && document.activeElement.textContent')).resolves.toBe('Skip to the panels');
    for (const name of ['Tour', 'ZooKeeper ensemble', 'Registry, leaders and locks', 'Kafka']) {
      await page.keyboard.press('Tab');
      await expect(page.evaluate('document.activeElement && document.activeElement.textContent')).resolves.toBe(name);
    }
  });

  it('should read each server once per interval however many browsers look (counted by Redis itself)', async () => {
    // Redis counts every INFO it serves; the console's Redis panel is one INFO per read, every 2 x POLL_MS.
    const redis = redisAs('console-e2e-load');
    await redis.start();
    const infoCalls = async (): Promise<number> =>
      Number(/cmdstat_info:calls=(\d+)/.exec(await redis.client.info('commandstats'))?.[1] ?? 0);
    /** INFO calls Redis served while `pages` extra pages polled for 3 s, minus the 2 this measurement made itself. */
    const servedWith = async (pages: number): Promise<{ calls: number; elapsed: number }> => {
      const opened = await Promise.all(Array.from({ length: pages }, () => context.newPage()));
      try {
        await Promise.all(opened.map((p) => p.goto(console_.url)));
        const before = await infoCalls();
        const began = Date.now();
        await new Promise((r) => setTimeout(r, 3000));
        const calls = (await infoCalls()) - before - 1;
        return { calls, elapsed: Date.now() - began };
      } finally {
        await Promise.all(opened.map((p) => p.close()));
      }
    };
    try {
      const alone = await servedWith(0);
      const crowded = await servedWith(6);
      const bound = (elapsed: number): number => Math.ceil(elapsed / (2 * POLL_MS)) + 1;
      expect(alone.calls).toBeGreaterThan(0);
      expect(alone.calls).toBeLessThanOrEqual(bound(alone.elapsed));
      // Seven pages polling once a second each: Redis still served one INFO per interval.
      expect(crowded.calls).toBeLessThanOrEqual(bound(crowded.elapsed));
      expect(crowded.calls).toBeLessThanOrEqual(alone.calls + 1);
    } finally {
      await redis.close();
    }
  });
});
