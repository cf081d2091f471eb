import { join } from 'node:path';
import { CONSOLE_PORT, LOCAL_INSTANCES, SERVICE_NAMES, ZNODE_ROOTS, znodePaths, type ServiceName } from '@dsp/contracts';
import { createJsonLogger } from '@dsp/service-defaults';
import { SERVICE_INSTANCE_CODEC, ZookeeperClient } from '@dsp/zookeeper';
import { appInstance, startApp, stopApp, waitAppReady, type AppInstance } from './app-process';
import { log } from './log';
import { portOpen } from './net';
import { down, formatStatus, stackRunning, status, up } from './stack';
import { LOG_DIR, PROMETHEUS, ZIPKIN } from './topology';
import { tour } from './tour';

/**
 * `npm start`: brings the stack up, runs the gateway plus two instances each of
 * user-service and order-service, and the console, from dist/, waits until each is ready, prints
 * what runs where, and stays in the foreground. Ctrl-C stops every process it
 * started (and the stack, if it started the stack).
 */

const GATEWAY_PORT = Number(process.env['GATEWAY_PORT'] ?? 8080);
const CONSOLE = Number(process.env['CONSOLE_PORT'] ?? CONSOLE_PORT);

/** `LOCAL_INSTANCES` of the contracts: `<service>-<n>` for each backend service, then the gateway on GATEWAY_PORT. */
function plan(): AppInstance[] {
  const backends = (Object.entries(LOCAL_INSTANCES) as [ServiceName, number][]).filter(([name]) => name !== SERVICE_NAMES.gateway);
  return [
    ...backends.flatMap(([name, n]) => Array.from({ length: n }, (_, i) => appInstance(name, `${name}-${i + 1}`))),
    appInstance(SERVICE_NAMES.gateway, 'gateway-1', { PORT: String(GATEWAY_PORT) }),
    appInstance('console', 'console-1', { CONSOLE_PORT: String(CONSOLE) }),
  ];
}

/** "gateway, 2 x user-service, 2 x order-service". */
function describePlan(instances: readonly AppInstance[]): string {
  const counts = new Map<string, number>();
  for (const i of instances) counts.set(i.app, (counts.get(i.app) ?? 0) + 1);
  return [...counts].map(([app, n]) => (n === 1 ? app : `${n} x ${app}`)).join(', ');
}

/** The `/services` tree as the platform's own ZooKeeper client sees it. */
async function registrations(): Promise<string[]> {
  const zk = new ZookeeperClient(
    { sessionTimeoutMs: 4000 },
    createJsonLogger({ service: 'npm-start', instanceId: 'npm-start', level: 'silent' }),
  );
  zk.start();
  try {
    await zk.waitConnected(10_000);
    const lines: string[] = [];
    for (const service of await zk.getChildren(ZNODE_ROOTS.services)) {
      for (const id of await zk.getChildren(znodePaths.service(service))) {
        const path = znodePaths.serviceInstance(service, id);
        const { data } = await zk.getData(path);
        const inst = SERVICE_INSTANCE_CODEC.decode(path, data);
        lines.push(`${path.padEnd(40)} ${inst.address}:${inst.port}  zone=${inst.zone}`);
      }
    }
    return lines;
  } catch (e) {
    return [`(could not read /services: ${(e as Error).message})`];
  } finally {
    await zk.close();
  }
}

async function main(): Promise<void> {
  const startedStack = !stackRunning();
  await up({ install: true, timeoutMs: Number(process.env['STACK_TIMEOUT_MS'] ?? 180_000) });
  for (const [port, variable] of [
    [GATEWAY_PORT, 'GATEWAY_PORT'],
    [CONSOLE, 'CONSOLE_PORT'],
  ] as const) {
    if (await portOpen(port)) throw new Error(`port ${port} is in use; stop what runs there or set ${variable}`);
  }
  const instances = plan();
  let stopping = false;
  const stopAll = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.step(`${signal}: stopping the services`);
    await Promise.all(instances.map((i) => stopApp(i)));
    log.ok('services stopped');
    if (startedStack) {
      log.step('stopping the stack this command started');
      await down();
    } else {
      log.step('the stack was already running before `npm start`: leaving it up (`npm run stack -- down` stops it)');
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stopAll('Ctrl-C'));
  process.on('SIGTERM', () => void stopAll('SIGTERM'));

  log.step(`starting services: ${describePlan(instances)}`);
  await Promise.all(instances.map((i) => startApp(i)));
  for (const i of instances) {
    i.child?.once('exit', (code, sig) => {
      if (!stopping) log.fail(`${i.id} exited (${code ?? sig}); see ${i.logFile}`);
    });
  }
  const checks = await Promise.all(instances.map(async (i) => [i, await waitAppReady(i)] as const));
  const registered = await registrations();
  const walk = await tour(`http://127.0.0.1:${GATEWAY_PORT}`);

  const lines = [
    '',
    'The platform is up. Servers:',
    '',
    formatStatus(await status()),
    '',
    'Services (each ready only when its dependencies answer):',
    '',
    ...checks.map(
      ([i, c]) =>
        `  ${i.id.padEnd(16)} ${String(i.url).padEnd(24)} pid ${String(i.child?.pid).padEnd(7)} ready: ${Object.keys(c).join(', ')}`,
    ),
    '',
    `The console: http://127.0.0.1:${CONSOLE}/  (user dsp-viewer, password: npm run -s stack -- secret console/dsp-viewer)`,
    '  the ensemble, the registry, leaders and locks, Kafka, MariaDB, Redis and traffic, live (docs/console.md)',
    '',
    'Registered in ZooKeeper (ephemeral nodes, gone when an instance stops):',
    '',
    ...registered.map((r) => `  ${r}`),
    '',
    'A walk through the gateway (sessions in Redis, read/write split, sharding):',
    '',
    ...walk.map((l) => `  ${l}`),
    '',
    'Try:',
    `  curl -s http://127.0.0.1:${GATEWAY_PORT}/health/ready      # the gateway's dependency checks`,
    `  curl -s -u "dsp-operator:$(npm run -s stack -- secret metrics/dsp-operator)" http://127.0.0.1:${GATEWAY_PORT}/metrics   # Prometheus text`,
    `  http://127.0.0.1:${PROMETHEUS.port}/alerts  # Prometheus (user dsp-operator, password: npm run -s stack -- secret metrics/dsp-operator)`,
    `  http://127.0.0.1:${ZIPKIN.port}/zipkin/     # Zipkin (user dsp-operator, password: npm run -s stack -- secret zipkin/dsp-operator)`,
    '  docs/sessions-and-gateway.md, docs/sharding.md  # curl walkthroughs of the API',
    '  java -cp ".stack/cache/jars/zookeeper/*" org.apache.zookeeper.ZooKeeperMain -server 127.0.0.1:2181   # zkCli (docs/zookeeper.md)',
    '  npm run stack -- status                         # who leads the ZooKeeper ensemble, replica lag',
    `  tail -f ${join(LOG_DIR, 'apps')}/*.log     # JSON logs`,
    '',
    'Ctrl-C stops everything `npm start` started.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e: unknown) => {
  log.fail((e as Error).message);
  process.kill(process.pid, 'SIGTERM');
});
