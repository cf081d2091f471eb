import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { log } from './log';
import { logFileOf } from './proc';
import { LOG_DIR } from './topology';
import { allTopics } from '@dsp/contracts';
import { ensurePlatformTopics } from './components/kafka.component';
import { writeComposeFiles } from './compose';
import { composeInit, composeInitOptions } from './compose-init';
import { BENCH_PACKAGES, ensureDebianPackages, installAll, TEST_PACKAGES } from './install';
import { localSecretLabels, localSecretValue } from './secrets';
import { removeService } from './remove-service';
import { runRegistrySd } from './registry-sd';
import { runTraceGuard } from './trace-guard';
import { allDaemons, down, formatStatus, provision, reset, stackRunning, status, up } from './stack';

const USAGE = `usage: npm run stack -- <command>

  install            install Debian packages and jars that are missing (idempotent)
  install --for tests|bench
                     install what only the tests (Debian's chromium) or the bench (sysbench) need
  up [--no-install]  install, start every server in parallel, wait until each serves
  provision          apply the contracts' tables (znodes and ACLs, databases and accounts, topics, Kafka
                     and Redis ACLs) to the running stack, without restarting a server
  down               stop every server
  status [--json]    table of servers: port, pid, role, health (exit 1 if any is down)
  logs [name] [-n N]
                     last N (default 40) lines of one server's log (kafka-1), an app's (gateway:
                     every instance npm start ran) or one instance's (user-service-2); default all servers
  reset [--all]      stop and wipe .stack/ (--all also drops the jar cache)
  running            exit 0 if every server has a live process, 1 otherwise
  secret <label>     print one of this stack's generated secrets (\`secret --list\` names them), e.g.
                     redis-cli -p 6380 --user dsp-operator --pass "$(npm run -s stack -- secret redis/dsp-operator)"
  compose-env        write .stack/compose/ (the .env and mounted files docker-compose.yml reads: ACL file,
                     Kafka properties and SCRAM users, init SQL, the seed compose's \`init\` reads), from this stack's seed
  compose-init       what docker-compose's one-shot \`init\` service runs before the services start: waits for
                     the servers, then the znode roots and their ACLs, the platform topics and the Kafka ACLs
                     (the native \`up\` does all three); ZK_CONNECT and KAFKA_BROKERS say where (default loopback)
  topics             create the platform topics missing on the cluster at the stack's broker ports
  trace-guard        serve the trace store's guard (what \`up\` runs as the \`trace-guard\` daemon): HTTP on
                     127.0.0.1:$STACK_ZIPKIN_PORT (default 9411), forwarding to Zipkin's unix socket, or to
                     $TRACE_GUARD_UPSTREAM (http://host:port, docker-compose), only what TRACE_IDENTITIES allow
  registry-sd        serve the registry's instances as Prometheus targets (what \`up\` runs as the \`registry-sd\`
                     daemon): GET /targets on 127.0.0.1:$STACK_REGISTRY_SD_PORT (default 9099), to METRICS_IDENTITIES only
  remove-service <name> [--database <db>]... [--account <user>]
                     take back what a service removed from the contracts was given on the running stack:
                     its znodes, its Redis ACL user, its databases and MariaDB account (docs/adding-a-service.md)
`;

const APP_LOG_DIR = join(LOG_DIR, 'apps');

/** The log files of a server (`kafka-1`), an app (`gateway`: every instance `npm start` ran) or one app instance (`gateway-1`). */
function logFilesOf(name: string): string[] {
  if (allDaemons().includes(name)) return [logFileOf(name)];
  const apps = existsSync(APP_LOG_DIR) ? readdirSync(APP_LOG_DIR).filter((f) => f.endsWith('.log')) : [];
  const matching = apps.filter((f) => f === `${name}.log` || (f.startsWith(`${name}-`) && /^\d+\.log$/.test(f.slice(name.length + 1))));
  if (matching.length > 0) return matching.sort().map((f) => join(APP_LOG_DIR, f));
  const instances = apps.map((f) => f.slice(0, -'.log'.length));
  throw new Error(
    `unknown server or app "${name}"; servers: ${allDaemons().join(', ')}` +
      (instances.length > 0 ? `; app instances (from npm start): ${instances.join(', ')}` : '; no app has logged yet (npm start)'),
  );
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'install':
      if (rest[0] === '--for') {
        const kind = rest[1];
        if (kind !== 'tests' && kind !== 'bench')
          throw new Error(`install --for takes tests or bench, got ${kind === undefined ? 'nothing' : `"${kind}"`}`);
        await ensureDebianPackages(kind === 'tests' ? TEST_PACKAGES : BENCH_PACKAGES);
        return 0;
      }
      await installAll();
      return 0;
    case 'up': {
      const timeoutMs = Number(process.env['STACK_TIMEOUT_MS'] ?? 180_000);
      await up({ install: !rest.includes('--no-install'), timeoutMs });
      process.stdout.write(`\n${formatStatus(await status())}\n`);
      return 0;
    }
    case 'down':
      await down();
      return 0;
    case 'status': {
      const rows = await status();
      process.stdout.write(rest.includes('--json') ? `${JSON.stringify(rows, null, 2)}\n` : `${formatStatus(rows)}\n`);
      return rows.every((r) => r.health === 'up') ? 0 : 1;
    }
    case 'logs': {
      const nIdx = rest.indexOf('-n');
      const n = nIdx >= 0 ? Number(rest[nIdx + 1]) : 40;
      const names = rest.filter((a, i) => a !== '-n' && !(nIdx >= 0 && i === nIdx + 1));
      const targets = names.length > 0 ? names.flatMap(logFilesOf) : allDaemons().map(logFileOf);
      for (const file of targets) {
        const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : ['(no log yet)'];
        process.stdout.write(`==> ${file} <==\n${lines.slice(-n - 1).join('\n')}\n`);
      }
      return 0;
    }
    case 'reset':
      await reset(rest.includes('--all'));
      return 0;
    case 'secret': {
      const [label] = rest;
      if (label === undefined || label === '--list') {
        process.stdout.write(`${localSecretLabels().join('\n')}\n`);
        return label === undefined ? 2 : 0;
      }
      process.stdout.write(`${localSecretValue(label)}\n`);
      return 0;
    }
    case 'compose-env':
      for (const f of writeComposeFiles()) log.ok(`wrote ${f}`);
      log.ok(
        `next: docker-compose --env-file .stack/compose/.env up -d --build (compose v2: docker compose --env-file .stack/compose/.env up -d --build --wait)`,
      );
      return 0;
    case 'compose-init':
      await composeInit(composeInitOptions());
      return 0;
    case 'topics': {
      const created = await ensurePlatformTopics();
      log.ok(`${created} topics created; all ${allTopics().length} platform topics exist`);
      return 0;
    }
    case 'running':
      return stackRunning() ? 0 : 1;
    case 'provision':
      await provision();
      return 0;
    case 'trace-guard':
      await runTraceGuard();
      return 0;
    case 'registry-sd':
      await runRegistrySd();
      return 0;
    case 'remove-service': {
      const [service, ...flags] = rest;
      if (service === undefined || service.startsWith('-')) throw new Error(`remove-service needs a service name\n${USAGE}`);
      const databases: string[] = [];
      let dbAccount: string | undefined;
      for (let i = 0; i < flags.length; i += 2) {
        const [flag, value] = [flags[i], flags[i + 1]];
        if (value === undefined) throw new Error(`${flag} needs a value`);
        if (flag === '--database') databases.push(value);
        else if (flag === '--account') dbAccount = value;
        else throw new Error(`unknown option ${flag} (known: --database, --account)`);
      }
      const removed = await removeService({ service, databases, ...(dbAccount === undefined ? {} : { dbAccount }) });
      for (const line of removed) log.ok(line);
      if (removed.length === 0) log.ok(`nothing of ${service} was left on the stack`);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command "${cmd}"\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    log.fail((err as Error).message);
    process.exit(1);
  },
);
