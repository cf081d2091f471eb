import { createJsonLogger } from '@dsp/service-defaults';
import { SERVICE_INSTANCE_CODEC } from './service-instance.codec';
import { ZK_CODES, ZkError } from '../zk-error';
import type { ZookeeperClient } from '../zookeeper-client';
import { ServiceDiscovery } from './service-discovery.recipe';

const lines: string[] = [];
const logger = createJsonLogger({
  service: 'spec',
  instanceId: 'spec',
  level: 'warn',
  destination: { write: (l: string) => void lines.push(l) },
});

function instance(id: string, name = 'user-service', port = 8001) {
  return { id, name, address: '127.0.0.1', port, zone: 'local', tags: [], registeredAt: new Date(0).toISOString(), version: '1' };
}

/** `/services/user-service` with the given children: payload and whether the node is ephemeral. */
function registry(children: Record<string, { payload: object; ephemeral: boolean }>): ZookeeperClient {
  return {
    state: 'CONNECTED',
    onStateChange: () => () => undefined,
    getChildren: async () => Object.keys(children),
    exists: async () => null,
    getData: async (path: string) => {
      const c = children[path.slice(path.lastIndexOf('/') + 1)];
      if (!c) throw new ZkError(ZK_CODES.ZNONODE, 'getData', path);
      return { data: SERVICE_INSTANCE_CODEC.encode(c.payload as never), stat: { ephemeralOwner: c.ephemeral ? '1a2b' : '0' } };
    },
  } as unknown as ZookeeperClient;
}

describe('ServiceDiscovery (on a fake registry)', () => {
  describe('when the registry holds nodes an attacker or a bug planted', () => {
    it('should list only ephemeral nodes whose payload names their path, and log each one it ignores', async () => {
      const zk = registry({
        'us-1': { payload: instance('us-1'), ephemeral: true },
        'us-9': { payload: instance('us-9', 'user-service', 9999), ephemeral: false },
        'us-2': { payload: instance('us-3'), ephemeral: true },
        'us-4': { payload: instance('us-4', 'order-service'), ephemeral: true },
      });
      const discovery = new ServiceDiscovery(zk, logger, { services: ['user-service'], debounceMs: 1 });
      await discovery.start();
      try {
        expect(discovery.instances('user-service').map((i) => i.id)).toEqual(['us-1']);
        const ignored = lines.filter((l) => l.includes('ignoring an instance node')).join('\n');
        expect(ignored).toContain('/services/user-service/us-9');
        expect(ignored).toContain('it is not ephemeral');
        expect(ignored).toContain('its payload says user-service/us-3');
        expect(ignored).toContain('its payload says order-service/us-4');
      } finally {
        await discovery.close();
      }
    });
  });
});
