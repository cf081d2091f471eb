import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  run,
  composeInitSql,
  composeSqlPath,
  KAFKA_NODES,
  MYSQL_INSTANCES,
  REDIS,
  REPO_ROOT,
  VERSIONS,
  ZK_SERVERS,
} from '@dsp/infra-stack';

interface ComposeService {
  image?: string;
  ports?: (string | { published: string | number; target: number })[];
  healthcheck?: { test?: unknown };
  environment?: Record<string, string | null>;
}

/** Host ports a service publishes (handles both short and long syntax). */
function publishedPorts(s: ComposeService): number[] {
  return (s.ports ?? []).map((p) => (typeof p === 'string' ? Number(p.split(':').at(-2)) : Number(p.published)));
}

describe('docker-compose.yml', () => {
  let services: Record<string, ComposeService>;

  beforeAll(async () => {
    // `docker-compose config` validates and normalises the file without a Docker engine.
    const { stdout } = await run('docker-compose', ['-f', join(REPO_ROOT, 'docker-compose.yml'), 'config']);
    services = (parse(stdout) as { services: Record<string, ComposeService> }).services;
  });

  describe('when validated by docker-compose config', () => {
    it('should pin every image to a version tag and give every service a healthcheck', () => {
      for (const [name, s] of Object.entries(services)) {
        expect({ name, image: s.image }).toEqual({ name, image: expect.stringMatching(/^[a-z0-9./_-]+:\d+(\.\d+)+$/) });
        expect({ name, healthcheck: Boolean(s.healthcheck?.test) }).toEqual({ name, healthcheck: true });
      }
    });

    it('should use the same ZooKeeper and Kafka versions as the native stack', () => {
      expect(services['zk1']?.image).toBe(`zookeeper:${VERSIONS.zookeeper}`);
      expect(services['kafka1']?.image).toBe(`apache/kafka:${VERSIONS.kafka}`);
    });
  });

  describe('when compared with the native topology', () => {
    it('should run the same servers on the same host ports', () => {
      const native: Record<string, number> = {
        ...Object.fromEntries(ZK_SERVERS.map((s) => [`zk${s.myid}`, s.clientPort])),
        ...Object.fromEntries(KAFKA_NODES.map((n) => [`kafka${n.nodeId}`, n.brokerPort])),
        ...Object.fromEntries(MYSQL_INSTANCES.map((m) => [m.name, m.port])),
        redis: REDIS.port,
      };
      const compose = Object.fromEntries(Object.entries(services).map(([name, s]) => [name, publishedPorts(s)[0]]));
      expect(compose).toEqual(native);
    });

    it('should make exactly one ZooKeeper server an observer, as the native ensemble', () => {
      const observers = Object.entries(services).filter(([, s]) => s.environment?.['ZOO_CFG_EXTRA']?.includes('peerType=observer'));
      expect(observers.map(([n]) => n)).toEqual([`zk${ZK_SERVERS.find((s) => s.observer)?.myid}`]);
      expect(services['zk1']?.environment?.['ZOO_SERVERS']).toContain('server.4=zk4:2888:3888:observer');
    });

    it('should give Kafka RF=3 and min.insync.replicas=2 on three broker+controller nodes', () => {
      const kafka = Object.entries(services).filter(([n]) => n.startsWith('kafka'));
      expect(kafka).toHaveLength(KAFKA_NODES.length);
      for (const [, s] of kafka) {
        expect(s.environment).toMatchObject({
          KAFKA_PROCESS_ROLES: 'broker,controller',
          KAFKA_DEFAULT_REPLICATION_FACTOR: '3',
          KAFKA_MIN_INSYNC_REPLICAS: '2',
        });
      }
    });

    it('should initialise each cluster with the SQL the native stack runs (no drift)', () => {
      for (const cluster of [0, 1]) {
        expect(readFileSync(composeSqlPath(cluster), 'utf8')).toBe(composeInitSql(cluster));
      }
    });
  });
});
