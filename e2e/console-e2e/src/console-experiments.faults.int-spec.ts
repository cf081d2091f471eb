import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { CONSOLE_IDENTITIES, znodePaths } from '@dsp/contracts';
import { REPO_ROOT, ZK_SERVERS } from '@dsp/infra-stack';
import { stackControl } from '@dsp/ops';
import { asService, connectedZk, launchChromium, spawnService, waitServing, type SpawnedService } from '@dsp/testing';

const SHOTS = join(REPO_ROOT, 'reports', 'console');
/** The lock-holder-freeze experiment's register (its path is the contracts': `znodePaths.consoleExperiment`). */
const FREEZE_REGISTER_PATH = znodePaths.consoleExperiment('lock-holder-freeze', 'register');

/** Restarts every ZooKeeper server and Kafka broker that is down, whatever an experiment left. */
async function healEnsemble(): Promise<void> {
  for (const b of ['kafka-1', 'kafka-2', 'kafka-3']) if (stackControl.pid(b) === undefined) await stackControl.restart(b);
  for (const s of ZK_SERVERS) if (stackControl.pid(`zk-${s.myid}`) === undefined) await stackControl.restart(`zk-${s.myid}`);
  for (const s of ZK_SERVERS) await waitServing(s.clientPort);
}

/**
 * The console's ZooKeeper experiments, run as a person runs them: the operator
 * clicks the button in Chromium and reads the verdict and the evidence on the
 * page (issue 16, item 3). Each disturbs the real ensemble (a fault suite: it
 * runs last), and each must put it back.
 */
describe('the console runs the ZooKeeper experiments end to end in Chromium (real ensemble)', () => {
  let console_: SpawnedService;
  let witness: SpawnedService;
  let second: SpawnedService;
  let gateway: SpawnedService;
  let orders: SpawnedService;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let operator: BrowserContext;
  let page: Page;

  const experiment = (name: string) => page.locator(`[data-experiment="${name}"]`);

  /**
   * Starts the experiment from the guided tour, as a newcomer does: goes to the first point of the notes it shows,
   * clicks the tour's button for it, and waits for its run to end; returns the verdict line.
   */
  async function run(name: string): Promise<string> {
    const listed = (await (await operator.request.get(`${console_.url}/api/experiments`)).json()) as {
      experiments: { name: string; notes: string[] }[];
    };
    const point = listed.experiments.find((x) => x.name === name)?.notes[0];
    if (!point) throw new Error(`the console lists no experiment ${name} with a point of the notes`);
    await page.getByLabel('Go to point').selectOption(point);
    await page.locator(`[data-point="${point}"] [data-tour-run="${name}"]`).click();
    const verdict = experiment(name).locator('[data-run-state]:not([data-run-state="running"])');
    await verdict.waitFor({ timeout: 150_000 });
    return (await verdict.textContent()) ?? '';
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // Two registered user-service instances: discovery keeps serving them from its cache while the quorum is lost, and
    // instance-freeze freezes one while the gateway sends traffic to the other. A 2 s session keeps that run short.
    const session = { ZK_SESSION_TIMEOUT_MS: '2000' };
    [witness, second, gateway, orders] = await Promise.all([
      spawnService('user-service', { PORT: '0', ...session, INSTANCE_ID: `console-e2e-us-a-${process.pid}` }, 60_000),
      spawnService('user-service', { PORT: '0', ...session, INSTANCE_ID: `console-e2e-us-b-${process.pid}` }, 60_000),
      spawnService('gateway', { PORT: '0', ...session, INSTANCE_ID: `console-e2e-gw-${process.pid}` }, 60_000),
      // For replica-sql-stop: orders written and read back through the gateway (its replica defaults: 2000 ms lag, 500 ms probes).
      spawnService('order-service', { PORT: '0', ...session, INSTANCE_ID: `console-e2e-os-${process.pid}` }, 60_000),
    ]);
    [console_, chromium] = await Promise.all([
      spawnService(
        'console',
        { CONSOLE_PORT: '0', CONSOLE_POLL_MS: '250', GATEWAY_URL: gateway.url, INSTANCE_SESSION_TIMEOUT_MS: session.ZK_SESSION_TIMEOUT_MS },
        30_000,
      ),
      launchChromium(),
    ]);
    operator = await chromium.browser.newContext({
      httpCredentials: { username: CONSOLE_IDENTITIES.operator.user, password: CONSOLE_IDENTITIES.operator.password },
      viewport: { width: 1400, height: 1000 },
    });
    page = await operator.newPage();
    await page.goto(console_.url);
    await experiment('zk-leader-election').getByRole('button', { disabled: false }).waitFor();
  }, 120_000);

  afterEach(async () => {
    await healEnsemble();
  }, 120_000);

  afterAll(async () => {
    await operator?.close();
    await chromium?.close();
    await Promise.all([witness?.stop(), second?.stop(), gateway?.stop(), orders?.stop()]);
    await console_?.stop();
  });

  it('should not let the viewer run one: the button is disabled and the API answers 403', async () => {
    const viewer = await chromium.browser.newContext({
      httpCredentials: { username: CONSOLE_IDENTITIES.viewer.user, password: CONSOLE_IDENTITIES.viewer.password },
    });
    try {
      const p = await viewer.newPage();
      await p.goto(console_.url);
      await p.getByText('running one takes the operator').waitFor();
      await expect(p.locator('[data-experiment="zk-leader-election"] button').isDisabled()).resolves.toBe(true);
      const res = await viewer.request.post(`${console_.url}/api/experiments/zk-leader-election`, { headers: { 'x-dsp-console': '1' } });
      expect(res.status()).toBe(403);
    } finally {
      await viewer.close();
    }
  });

  it('should kill the leader and show the survivor with the highest (epoch, zxid, myid) winning, then the killed server back', async () => {
    const verdict = await run('zk-leader-election');
    expect(verdict).toMatch(
      /^HELD: zk-[123] won \d+ ms after zk-[123] died: its own vote \(0x[0-9a-f]+, 0x[0-9a-f]+, [123]\) was the highest/,
    );
    const [, winner, dead] = /zk-(\d) won \d+ ms after zk-(\d) died/.exec(verdict) ?? [];
    expect(winner).not.toBe(dead);
    const rows = experiment('zk-leader-election').locator('table tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    await expect(experiment('zk-leader-election').locator('table').textContent()).resolves.toMatch(
      new RegExp(`zk-${winner}\\(0x[0-9a-f]+, 0x[0-9a-f]+, ${winner}\\)leadertrue`),
    );
    await expect(experiment('zk-leader-election').locator('ol.steps').textContent()).resolves.toMatch(
      new RegExp(`zk-${dead} is back as (follower|leader)`),
    );
    await experiment('zk-leader-election').screenshot({ path: join(SHOTS, 'experiment-leader-election.png') });
  });

  it('should stop two voters: writes fail clearly, discovery serves from cache, then writes succeed again', async () => {
    const verdict = await run('zk-quorum-loss');
    expect(verdict).toMatch(
      /^HELD: With 1 of 3 voters \(a quorum is 2 = n\/2\+1\) a write failed clearly \(Z(CONNECTIONLOSS|OPERATIONTIMEOUT|SESSIONEXPIRED)\), discovery kept all \d+ instances from its cache, and writes succeeded \d+ ms after the voters returned\.$/,
    );
    await expect(experiment('zk-quorum-loss').locator('p').first().textContent()).resolves.toMatch(
      /Source notes \(docs\/notes.md\): 35, 28, 30\./,
    );
    const rows = experiment('zk-quorum-loss').locator('table tbody tr');
    await expect(rows.count()).resolves.toBe(3);
    await expect(rows.nth(1).textContent()).resolves.toMatch(
      /quorum lost1failed: create \/dsp-console-quorum-[0-9a-f]+: Z(CONNECTIONLOSS|OPERATIONTIMEOUT|SESSIONEXPIRED)/,
    );
    await experiment('zk-quorum-loss').screenshot({ path: join(SHOTS, 'experiment-quorum-loss.png') });
  });

  it('should freeze a user-service instance: its node vanishes within the session, traffic moves with 0 failures, it comes back', async () => {
    const frozen = [witness, second].map((s) => s.output().length);
    const verdict = await run('instance-freeze');
    expect(verdict).toMatch(
      /^HELD: console-e2e-us-a-\d+ froze; ZooKeeper expired its session and its node vanished \d+ ms later \(timeout 2000 ms\); from then all [1-9]\d* requests went to console-e2e-us-b-\d+ with 0 failures \(the \d+ sent to it before that waited up to \d+ ms, \d+ failed\); thawed, it registered again under a new session in \d+ ms and served again\.$/,
    );
    const rows = experiment('instance-freeze').locator('table tbody tr');
    await expect(rows.count()).resolves.toBe(4);
    // The frozen phase row: the node gone, requests started, 0 failed, 0 to the frozen one.
    await expect(rows.nth(2).textContent()).resolves.toMatch(/^frozen, node goneexpired(?<n>[1-9]\d*)\k<n>00\k<n>\d+$/);
    // The instance itself saw its session expire and registered again (its own log, not the console's word).
    expect(witness.output().slice(frozen[0])).toMatch(/zookeeper session expired/);
    await experiment('instance-freeze').screenshot({ path: join(SHOTS, 'experiment-instance-freeze.png') });
  });

  it('should change a config value: every user-service instance applies it within a watch, then the rollback too', async () => {
    const verdict = await run('config-change');
    expect(verdict).toMatch(
      /^HELD: All 2 instances of user-service applied ratelimit\.register\.ipAttempts = (\d+) at most \d+ ms after the write, and the rollback to (\d+) at most \d+ ms after it: each watch fired and was re-armed \(versions rose each time; history entries \d+ and \d+\)\.$/,
    );
    const rows = experiment('config-change').locator('table tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    // Each row: the instance, its version before (or none), then for each write the version it applied and after how many ms.
    await expect(rows.nth(0).textContent()).resolves.toMatch(/^console-e2e-us-a-\d+(none|\d+)\d+\d+\d+\d+$/);
    await expect(experiment('config-change').locator('ol.steps').textContent()).resolves.toMatch(
      /history of ratelimit\.register\.ipAttempts: .*#\d+ \d+ by console config-change \| #\d+ \d+ by admin-api \(rollback to \d+\)/,
    );
    await experiment('config-change').screenshot({ path: join(SHOTS, 'experiment-config-change.png') });
  });

  it('should kill the Kafka broker leading most order events during a stream of orders: 0 lost, 0 duplicate effects', async () => {
    const verdict = await run('kafka-broker-kill');
    expect(verdict).toMatch(
      /^HELD: kafka-[123] died leading \d+ partitions of order\.created\.v1; their leadership moved in \d+ ms; all (?<n>[1-9]\d*) orders were acknowledged, and the projection counted exactly \k<n>: 0 lost, 0 duplicate effects \(outbox and inbox\), \d+ ms after the stream ended\.$/,
    );
    const rows = experiment('kafka-broker-kill').locator('table tbody tr');
    await expect(rows.count()).resolves.toBe(4);
    // While the broker was down orders kept being acknowledged (the outbox holds them): n placed, n acknowledged, none lost.
    await expect(rows.nth(1).textContent()).resolves.toMatch(/^kafka-[123] down(?<n>[1-9]\d*)\k<n>\d+0—$/);
    await expect(rows.nth(3).textContent()).resolves.toMatch(/^projected \(ordersCount\)(?<n>[1-9]\d*)\k<n>\d+0\k<n>$/);
    await experiment('kafka-broker-kill').screenshot({ path: join(SHOTS, 'experiment-kafka-broker-kill.png') });
  });

  it("should stop a replica's SQL thread: every order read back at once, reads leave the replica, then return", async () => {
    const verdict = await run('replica-sql-stop');
    expect(verdict).toMatch(
      /^HELD: With order_db_[01]'s replica applying nothing \([1-9]\d* bytes behind\), all [1-9]\d* orders written were read back at once \(0 stale of \d+ reads\): from the primary, because the replica lacked this session's read position, and past 2000 ms \+ 2 probes because no service used the replica at all; once its SQL thread ran again it served reads again\.$/,
    );
    const rows = experiment('replica-sql-stop').locator('table tbody tr');
    await expect(rows.count()).resolves.toBe(4);
    // Past the bound: n reads, 0 stale, 0 by the replica, n by the primary, every one because no replica was usable.
    await expect(rows.nth(2).textContent()).resolves.toMatch(/^SQL thread stopped, past that(?<n>[1-9]\d*)00\k<n>no-usable-replica \k<n>$/);
    await expect(rows.nth(3).textContent()).resolves.toMatch(/replica 1$/);
    await experiment('replica-sql-stop').screenshot({ path: join(SHOTS, 'experiment-replica-sql-stop.png') });
  });

  it('should race more buyers than units for a flash sale of each strategy: claims/s charted live, 0 oversold', async () => {
    const verdict = await run('flash-sale-race');
    expect(verdict).toMatch(
      /^HELD: Every strategy sold each sale's 8 units to exactly 8 of 12 racing buyers and told the rest it sold out: 0 oversold in 12 sales\. Fastest while racing: (zk-lock|redis-lock|db-atomic|redis-reserve) at [1-9]\d* claims\/s\.$/,
    );
    const rows = experiment('flash-sale-race').locator('table tbody tr');
    // Per strategy: 3 sales, 24 units offered, 24 claims, 12 sold-out answers, then retries, rates, and 0 oversold.
    const cells = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(cells).toEqual(
      ['zk-lock', 'redis-lock', 'db-atomic', 'redis-reserve'].map((strategy) => [
        strategy,
        '3',
        '24',
        '24',
        '12',
        expect.stringMatching(/^\d+$/),
        expect.stringMatching(/^[1-9]\d*$/),
        expect.stringMatching(/^[1-9]\d*$/),
        '0',
      ]),
    );
    // The chart: one line per strategy, each with points, and its numbers in words for screen readers.
    const chart = experiment('flash-sale-race').locator('figure[data-chart] svg[role="img"]');
    await expect(chart.getAttribute('aria-label')).resolves.toMatch(
      /^Claims per second, by strategy: zk-lock peaks at [1-9]\d* claims\/s; redis-lock peaks at [1-9]\d* claims\/s; db-atomic peaks at [1-9]\d* claims\/s; redis-reserve peaks at [1-9]\d* claims\/s$/,
    );
    for (const line of await chart.locator('polyline').all())
      await expect(line.getAttribute('points')).resolves.toMatch(/^[\d.]+,[\d.]+( [\d.]+,[\d.]+)*$/);
    await expect(chart.locator('polyline').count()).resolves.toBe(4);
    await experiment('flash-sale-race').screenshot({ path: join(SHOTS, 'experiment-flash-sale-race.png') });
  });

  it("should freeze a lock holder past its session: the contender gets a higher token, the holder's late write is fenced off", async () => {
    const verdict = await run('lock-holder-freeze');
    expect(verdict).toMatch(
      /^HELD: The frozen holder's session expired and its lock node vanished; the contender was granted the lock \d+ ms after the freeze with token (?<new>\d+) \(> (?<old>\d+)\) and wrote (?<after>\d+); the thawed holder's late write with token \k<old> was fenced off, so the counter went from (?<before>\d+) to \k<after>, once per holder that really held the lock\.$/,
    );
    const { groups } = /token (?<new>\d+) \(> (?<old>\d+)\)/.exec(verdict) ?? {};
    expect(BigInt(groups?.['new'] ?? 0) > BigInt(groups?.['old'] ?? 0)).toBe(true);
    const cells = await experiment('lock-holder-freeze')
      .locator('table tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(cells).toEqual([
      [
        'the frozen holder',
        expect.stringMatching(/^0x[0-9a-f]+$/),
        expect.stringMatching(/^\d+$/),
        expect.stringMatching(/^\d+$/),
        expect.stringMatching(/^\d+$/),
        'fenced off',
      ],
      [
        expect.stringMatching(/^the contender \(granted after \d+ ms\)$/),
        expect.stringMatching(/^0x[0-9a-f]+$/),
        expect.stringMatching(/^\d+$/),
        expect.stringMatching(/^\d+$/),
        expect.stringMatching(/^\d+$/),
        'accepted',
      ],
      [
        'the register after both',
        '',
        expect.stringMatching(/^fence \d+$/),
        expect.stringMatching(/^\d+$/),
        expect.stringMatching(/^\d+$/),
        expect.stringMatching(/^the contender \(token \d+\)$/),
      ],
    ]);
    // Both read the same value and wrote it plus one: without the fence, the holder's write would have counted twice as one.
    const [holderRow, contenderRow, registerRow] = cells as string[][];
    expect(holderRow?.[3]).toBe(contenderRow?.[3]);
    expect(Number(registerRow?.[4])).toBe(Number(registerRow?.[3]) + 1);

    // The register and the lock are the operator's: a service identity may read them, never write them.
    const asOrders = await connectedZk(asService('order-service'), 'console-e2e-not-operator');
    try {
      const { data } = await asOrders.getData(FREEZE_REGISTER_PATH);
      expect(JSON.parse(data.toString()).value).toBe(Number(registerRow?.[4]));
      await expect(
        asOrders.setData(FREEZE_REGISTER_PATH, JSON.stringify({ value: 0, fence: '0', writer: 'order-service' })),
      ).rejects.toMatchObject({ codeName: 'ZNOAUTH' });
      await expect(asOrders.create('/locks/console-lock-holder-freeze/lock-x', null, 'EPHEMERAL')).rejects.toMatchObject({
        codeName: 'ZNOAUTH',
      });
    } finally {
      await asOrders.close();
    }
    await experiment('lock-holder-freeze').screenshot({ path: join(SHOTS, 'experiment-lock-holder-freeze.png') });
  });
});
