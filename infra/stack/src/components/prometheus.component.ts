import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS_IDENTITIES, metricsAuthorization, REGISTRY_SD_ROUTE } from '@dsp/contracts';
import { runningPid, startDaemon, stopDaemon, waitFor } from '../proc';
import { prometheusWebYml, prometheusYml } from '../prometheus-config';
import { INFRA_DIR, PROMETHEUS, REGISTRY_SD, STACK_DIR } from '../topology';
import type { ServerStatus, StackComponent } from './component';
import { stackCli } from './zipkin.component';

const PROMETHEUS_DAEMON = 'prometheus';
const SD_DAEMON = 'registry-sd';

export const PROMETHEUS_DIR = join(STACK_DIR, 'prometheus');
/** The rules every Prometheus of the platform loads (native and docker-compose). */
export const PROMETHEUS_RULES = join(INFRA_DIR, 'prometheus', 'rules.yml');

async function get(url: string, auth: string | undefined): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { headers: auth === undefined ? {} : { authorization: auth }, signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

/**
 * Prometheus (Debian's package), scraping every instance the registry holds.
 * Guarantees: its targets come from registry-sd, a small server of this
 * package that follows `/services` with the platform's discovery and lists
 * the instances only to `METRICS_IDENTITIES`; Prometheus scrapes each
 * instance's `/metrics` as the scraper; its own UI and API answer the
 * operator only (HTTP basic, bcrypt), with the admin and lifecycle APIs off;
 * it loads `infra/prometheus/rules.yml`. `waitReady` proves both doors refuse
 * a request without credentials, and that Prometheus is ready for the operator.
 */
export class PrometheusComponent implements StackComponent {
  readonly name = 'prometheus';
  readonly daemons = [SD_DAEMON, PROMETHEUS_DAEMON];

  async prepare(): Promise<void> {
    mkdirSync(join(PROMETHEUS_DIR, 'data'), { recursive: true, mode: 0o700 });
    const passwordFile = join(PROMETHEUS_DIR, 'scraper.password');
    writeFileSync(passwordFile, METRICS_IDENTITIES.scraper.password, { mode: 0o600 });
    writeFileSync(
      join(PROMETHEUS_DIR, 'prometheus.yml'),
      prometheusYml({ registrySd: `127.0.0.1:${REGISTRY_SD.port}`, scraperPasswordFile: passwordFile, rulesFile: PROMETHEUS_RULES }),
      { mode: 0o600 },
    );
    writeFileSync(join(PROMETHEUS_DIR, 'web.yml'), prometheusWebYml(), { mode: 0o600 });
  }

  async start(): Promise<void> {
    if (!existsSync(PROMETHEUS_RULES)) throw new Error(`${PROMETHEUS_RULES} is missing`);
    const cli = stackCli();
    const cliPath = cli.args[cli.args.length - 1] as string;
    startDaemon({
      name: SD_DAEMON,
      command: cli.command,
      args: [...cli.args, 'registry-sd'],
      cwd: cli.cwd,
      env: { STACK_DIR, STACK_REGISTRY_SD_PORT: String(REGISTRY_SD.port), REGISTRY_SD_HOST: '127.0.0.1' },
      marker: `${cliPath} registry-sd`,
    });
    const config = join(PROMETHEUS_DIR, 'prometheus.yml');
    startDaemon({
      name: PROMETHEUS_DAEMON,
      command: 'prometheus',
      args: [
        `--config.file=${config}`,
        `--web.config.file=${join(PROMETHEUS_DIR, 'web.yml')}`,
        `--web.listen-address=127.0.0.1:${PROMETHEUS.port}`,
        `--storage.tsdb.path=${join(PROMETHEUS_DIR, 'data')}`,
        '--storage.tsdb.retention.time=6h',
        '--log.format=json',
      ],
      marker: `--config.file=${config}`,
    });
  }

  async waitReady(timeoutMs: number): Promise<string> {
    const t0 = Date.now();
    const sd = `http://127.0.0.1:${REGISTRY_SD.port}${REGISTRY_SD_ROUTE}`;
    const prom = `http://127.0.0.1:${PROMETHEUS.port}`;
    const scraper = metricsAuthorization(METRICS_IDENTITIES.scraper);
    const operator = metricsAuthorization(METRICS_IDENTITIES.operator);
    const remaining = (): number => Math.max(1000, timeoutMs - (Date.now() - t0));
    const targets = await waitFor(
      `registry-sd (:${REGISTRY_SD.port})`,
      async () => {
        const r = await get(sd, scraper);
        if (r.status !== 200) throw new Error(`GET ${REGISTRY_SD_ROUTE} as ${METRICS_IDENTITIES.scraper.user}: ${r.status} ${r.body}`);
        return (JSON.parse(r.body) as unknown[]).length;
      },
      { timeoutMs: remaining(), daemon: SD_DAEMON },
    );
    await waitFor(
      `Prometheus (:${PROMETHEUS.port})`,
      async () => {
        const r = await get(`${prom}/-/ready`, operator);
        if (r.status !== 200) throw new Error(`GET /-/ready as ${METRICS_IDENTITIES.operator.user}: ${r.status} ${r.body.trim()}`);
        return true;
      },
      { timeoutMs: remaining(), daemon: PROMETHEUS_DAEMON },
    );
    for (const [what, url] of [
      ['registry-sd', sd],
      ['Prometheus', `${prom}/api/v1/targets`],
    ] as const) {
      const anonymous = (await get(url, undefined)).status;
      if (anonymous !== 401)
        throw new Error(`${what} answered ${anonymous} to a request without credentials, not 401: it must not be open`);
    }
    return `UP on :${PROMETHEUS.port} (operator only), ${targets} registered instance(s) from registry-sd on :${REGISTRY_SD.port}`;
  }

  async stop(): Promise<void> {
    await Promise.all([stopDaemon(PROMETHEUS_DAEMON, 15_000), stopDaemon(SD_DAEMON, 5_000)]);
  }

  async status(): Promise<ServerStatus[]> {
    const operator = metricsAuthorization(METRICS_IDENTITIES.operator);
    const [sdAnon, ready] = await Promise.all([
      get(`http://127.0.0.1:${REGISTRY_SD.port}${REGISTRY_SD_ROUTE}`, undefined).then(
        (r) => r.status,
        () => 0,
      ),
      get(`http://127.0.0.1:${PROMETHEUS.port}/-/ready`, operator).then(
        (r) => r.status,
        () => 0,
      ),
    ]);
    const row = (server: string, port: number, role: string, up: boolean, detail: string): ServerStatus => ({
      server,
      port,
      pid: runningPid(server),
      role,
      health: runningPid(server) !== undefined && up ? 'up' : 'down',
      detail,
    });
    return [
      row(
        SD_DAEMON,
        REGISTRY_SD.port,
        'Prometheus targets from /services',
        sdAnon === 401,
        sdAnon === 401 ? 'refuses anonymous' : `anonymous got ${sdAnon}`,
      ),
      row(PROMETHEUS_DAEMON, PROMETHEUS.port, 'metrics (operator only)', ready === 200, 'rules: infra/prometheus/rules.yml'),
    ];
  }
}
