import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { METRICS_IDENTITIES, REGISTRY_SD_PORT, REGISTRY_SD_ROUTE, SERVICE_NAMES, type MetricsIdentity } from '@dsp/contracts';
import { createJsonLogger, identifyBasic, parseBasicAuth } from '@dsp/service-defaults';
import { ServiceDiscovery, ZookeeperClient, type ServiceInstance } from '@dsp/zookeeper';
import { ZK_SERVERS } from './topology';

/** One target group of Prometheus's HTTP service discovery (`http_sd_configs`). */
export interface HttpSdGroup {
  targets: string[];
  labels: Record<string, string>;
}

/**
 * The registry as Prometheus targets: one group per instance, its advertised
 * `address:port` (an IPv6 address in brackets), labelled with its service,
 * instance id (`instance`, the same value its own metrics carry) and zone. Sorted, so two reads of one registry are equal.
 */
export function prometheusTargets(byService: ReadonlyMap<string, readonly ServiceInstance[]>): HttpSdGroup[] {
  const groups: HttpSdGroup[] = [];
  for (const [service, instances] of byService) {
    for (const i of instances) {
      const host = i.address.includes(':') ? `[${i.address}]` : i.address;
      groups.push({ targets: [`${host}:${i.port}`], labels: { service, instance: i.id, zone: i.zone } });
    }
  }
  return groups.sort((a, b) => (a.labels['instance'] ?? '').localeCompare(b.labels['instance'] ?? ''));
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * The registry's door for Prometheus. Guarantee: `GET /targets` answers the
 * instances `targets()` returns, as `http_sd_configs` JSON, only to a request
 * with the HTTP basic credentials of one of `readers` (the scraper and the
 * operator); anything else is 401 with the reason, another path 404, another
 * method 405. It never writes to the registry.
 */
export function createRegistrySd(targets: () => HttpSdGroup[], readers: readonly MetricsIdentity[]): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const path = (req.url ?? '/').split('?')[0];
    const creds = parseBasicAuth(req.headers.authorization);
    const who = 'malformed' in creds ? undefined : identifyBasic(creds, readers);
    if (who === undefined) {
      const reason = 'malformed' in creds ? creds.malformed : 'unknown user or wrong password for the registry targets';
      sendJson(res, 401, { error: 'unauthorized', reason }, { 'www-authenticate': 'Basic realm="registry-sd"' });
    } else if (path !== REGISTRY_SD_ROUTE) sendJson(res, 404, { error: 'not_found', reason: `only GET ${REGISTRY_SD_ROUTE} is served` });
    else if (req.method !== 'GET' && req.method !== 'HEAD')
      sendJson(res, 405, { error: 'method_not_allowed', reason: `${REGISTRY_SD_ROUTE} is read-only` }, { allow: 'GET, HEAD' });
    else sendJson(res, 200, targets());
  });
}

export interface RegistrySdOptions {
  host: string;
  port: number;
  zkConnect: string;
}

/** From the environment: `STACK_REGISTRY_SD_PORT`, `REGISTRY_SD_HOST` (default 127.0.0.1), `ZK_CONNECT` (default the stack's ensemble). */
export function registrySdOptions(env: NodeJS.ProcessEnv = process.env): RegistrySdOptions {
  const port = Number(env['STACK_REGISTRY_SD_PORT'] || REGISTRY_SD_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`STACK_REGISTRY_SD_PORT must be a port, got "${env['STACK_REGISTRY_SD_PORT']}"`);
  const zkConnect = env['ZK_CONNECT'] || ZK_SERVERS.map((s) => `127.0.0.1:${s.clientPort}`).join(',');
  return { host: env['REGISTRY_SD_HOST'] || '127.0.0.1', port, zkConnect };
}

/**
 * `npm run stack -- registry-sd`: follows every service of `SERVICE_NAMES` in
 * the registry with the platform's own discovery (watches, and the last good
 * list kept while ZooKeeper is away) and serves it to Prometheus until
 * SIGTERM or SIGINT. It reads the registry anonymously: `/services` is
 * world-readable, and this process needs no more.
 */
export async function runRegistrySd(opts: RegistrySdOptions = registrySdOptions()): Promise<void> {
  const logger = createJsonLogger({ service: 'registry-sd', instanceId: `registry-sd-${process.pid}`, level: 'info' });
  const zk = new ZookeeperClient({ connectString: opts.zkConnect, sessionTimeoutMs: 10_000 }, logger);
  const services = Object.values(SERVICE_NAMES);
  const discovery = new ServiceDiscovery(zk, logger, { services });
  zk.start();
  await discovery.start();
  const targets = (): HttpSdGroup[] => prometheusTargets(new Map(services.map((s) => [s, discovery.allInstances(s)])));
  const server = createRegistrySd(targets, Object.values(METRICS_IDENTITIES));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  logger.info(
    { listen: `http://${opts.host}:${opts.port}${REGISTRY_SD_ROUTE}`, zookeeper: opts.zkConnect, services },
    'registry-sd serving',
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'registry-sd stopping');
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await discovery.close();
  await zk.close();
  logger.flush();
}
