import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classpath } from '../install';
import { fourLetterWord, parseKeyValues } from '../net';
import { runningPid, startDaemon, stopDaemon, waitFor } from '../proc';
import { INFRA_DIR, JVM_HEAP, STACK_DIR, ZK_SERVERS, type ZkServerSpec } from '../topology';
import { ZK_IDENTITIES } from '@dsp/contracts';
import { digestId } from '@dsp/zookeeper';
import type { ServerStatus, StackComponent } from './component';
import { ensureZnodeTree } from './zk-tree';

const FOUR_LETTER_WORDS = 'srvr,mntr,ruok,stat,conf,cons,envi,wchs,isro';

export interface ZkNodeState {
  myid: number;
  port: number;
  mode: string;
  zxid: string;
  epoch: number;
}

function daemonName(s: ZkServerSpec): string {
  return `zk-${s.myid}`;
}

function serverDir(s: ZkServerSpec): string {
  return join(STACK_DIR, 'zookeeper', String(s.myid));
}

function zooCfg(s: ZkServerSpec): string {
  const lines = [
    '# Written by infra/stack (zookeeper.component.ts); regenerated on every `stack up`.',
    'tickTime=1000',
    'initLimit=10',
    'syncLimit=5',
    // Sessions between 2 s and 20 s: short enough for expiry tests to run in seconds.
    'minSessionTimeout=2000',
    'maxSessionTimeout=20000',
    `dataDir=${join(serverDir(s), 'data')}`,
    `clientPort=${s.clientPort}`,
    'clientPortAddress=127.0.0.1',
    'maxClientCnxns=200',
    `4lw.commands.whitelist=${FOUR_LETTER_WORDS}`,
    // The embedded AdminServer defaults to :8080, the gateway's port.
    'admin.enableServer=false',
    'standaloneEnabled=false',
    'reconfigEnabled=false',
    'autopurge.snapRetainCount=3',
    'autopurge.purgeInterval=1',
    'preAllocSize=4096',
    ...ZK_SERVERS.map((o) => `server.${o.myid}=127.0.0.1:${o.quorumPort}:${o.electionPort}${o.observer ? ':observer' : ''}`),
  ];
  if (s.observer) lines.push('peerType=observer');
  return `${lines.join('\n')}\n`;
}

/** Reads `srvr` from one server; undefined when it does not serve (yet). */
export async function zkNodeState(s: ZkServerSpec): Promise<ZkNodeState | undefined> {
  const text = await fourLetterWord(s.clientPort, 'srvr').catch(() => '');
  const kv = parseKeyValues(text);
  const mode = kv['Mode'];
  if (mode === undefined) return undefined;
  const zxid = kv['Zxid'] ?? '0x0';
  return { myid: s.myid, port: s.clientPort, mode, zxid, epoch: Number(BigInt(zxid) >> 32n) };
}

/** A ZooKeeper ensemble of three voters and one observer (QuorumPeerMain, one JVM each). */
export class ZookeeperComponent implements StackComponent {
  readonly name = 'zookeeper';
  readonly daemons = ZK_SERVERS.map(daemonName);

  async prepare(): Promise<void> {
    for (const s of ZK_SERVERS) {
      const dir = serverDir(s);
      mkdirSync(join(dir, 'data'), { recursive: true });
      writeFileSync(join(dir, 'data', 'myid'), `${s.myid}\n`);
      writeFileSync(join(dir, 'zoo.cfg'), zooCfg(s));
    }
  }

  async start(): Promise<void> {
    for (const s of ZK_SERVERS) {
      const cfg = join(serverDir(s), 'zoo.cfg');
      startDaemon({
        name: daemonName(s),
        command: 'java',
        args: [
          `-Xmx${JVM_HEAP.zookeeper}`,
          '-Xms32m',
          '-XX:+UseSerialGC',
          '-XX:TieredStopAtLevel=1',
          `-Dlogback.configurationFile=${join(INFRA_DIR, 'jvm', 'zookeeper', 'logback.xml')}`,
          '-Dzookeeper.admin.enableServer=false',
          // The operator identity is the super user: the stack lays out the znode tree and its ACLs.
          `-Dzookeeper.DigestAuthenticationProvider.superDigest=${digestId(ZK_IDENTITIES.operator.user, ZK_IDENTITIES.operator.password)}`,
          '-cp',
          classpath('zookeeper'),
          'org.apache.zookeeper.server.quorum.QuorumPeerMain',
          cfg,
        ],
        marker: cfg,
      });
    }
  }

  async waitReady(timeoutMs: number): Promise<string> {
    const states = await Promise.all(
      ZK_SERVERS.map((s) =>
        waitFor(`ZooKeeper myid ${s.myid} (:${s.clientPort})`, () => zkNodeState(s), {
          timeoutMs,
          daemon: daemonName(s),
          intervalMs: 300,
        }),
      ),
    );
    const leaders = states.filter((s) => s.mode === 'leader');
    const observers = states.filter((s) => s.mode === 'observer');
    if (leaders.length !== 1 || observers.length !== 1) {
      throw new Error(`ZooKeeper ensemble has ${leaders.length} leaders and ${observers.length} observers; see .stack/logs/zk-*.log`);
    }
    const leader = leaders[0] as ZkNodeState;
    const nodes = await ensureZnodeTree();
    return `quorum formed, leader myid ${leader.myid} (:${leader.port}), epoch ${leader.epoch}; znode tree and ACLs ensured (${nodes} nodes)`;
  }

  async stop(): Promise<void> {
    await Promise.all(this.daemons.map((d) => stopDaemon(d, 10_000)));
  }

  async status(): Promise<ServerStatus[]> {
    return Promise.all(
      ZK_SERVERS.map(async (s) => {
        const st = await zkNodeState(s);
        return {
          server: daemonName(s),
          port: s.clientPort,
          pid: runningPid(daemonName(s)),
          role: st?.mode ?? (s.observer ? 'observer' : 'voter'),
          health: st ? 'up' : 'down',
          detail: st ? `zxid ${st.zxid} epoch ${st.epoch}` : '',
        } satisfies ServerStatus;
      }),
    );
  }
}
