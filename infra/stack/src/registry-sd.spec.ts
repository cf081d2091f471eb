import type { AddressInfo } from 'node:net';
import { metricsAuthorization } from '@dsp/contracts';
import type { ServiceInstance } from '@dsp/zookeeper';
import { createRegistrySd, prometheusTargets, type HttpSdGroup } from './registry-sd';

const inst = (name: string, id: string, address: string, port: number): ServiceInstance =>
  ({ id, name, address, port, zone: 'local', tags: [], registeredAt: '2026-12-06T00:00:00Z', version: '1' }) as ServiceInstance;

describe('prometheusTargets', () => {
  it('should list one group per instance, labelled with its service, instance id and zone, IPv6 in brackets', () => {
    const groups = prometheusTargets(
      new Map([
        ['user-service', [inst('user-service', 'user-service-2', '127.0.0.1', 4002), inst('user-service', 'user-service-1', '::1', 4001)]],
        ['gateway', []],
      ]),
    );
    expect(groups).toEqual([
      { targets: ['[::1]:4001'], labels: { service: 'user-service', instance: 'user-service-1', zone: 'local' } },
      { targets: ['127.0.0.1:4002'], labels: { service: 'user-service', instance: 'user-service-2', zone: 'local' } },
    ]);
  });
});

describe('createRegistrySd', () => {
  const reader = { user: 'prometheus', password: 'pw', may: 'scrape' as const };
  const groups: HttpSdGroup[] = [{ targets: ['127.0.0.1:1'], labels: { service: 's', instance: 's-1', zone: 'local' } }];
  const server = createRegistrySd(() => groups, [reader]);
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((r) => server.close(() => r())));

  it('should serve the targets to a reader', async () => {
    const res = await fetch(`${base}/targets`, { headers: { authorization: metricsAuthorization(reader) } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(groups);
  });

  it('should refuse anyone else with 401 and the reason, before saying whether a path exists', async () => {
    for (const path of ['/targets', '/nothing']) {
      const res = await fetch(`${base}${path}`, {
        headers: { authorization: metricsAuthorization({ user: 'prometheus', password: 'x' }) },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Basic');
      expect(((await res.json()) as { reason: string }).reason).toContain('wrong password');
    }
    expect((await fetch(`${base}/targets`)).status).toBe(401);
  });

  it('should answer 404 for another path and 405 for a write, to a reader', async () => {
    const authorization = metricsAuthorization(reader);
    expect((await fetch(`${base}/other`, { headers: { authorization } })).status).toBe(404);
    const post = await fetch(`${base}/targets`, { method: 'POST', headers: { authorization }, body: '[]' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
