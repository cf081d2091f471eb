import 'reflect-metadata';
import { PUBLIC_PREFIXES, PUBLIC_ROUTES, SERVICE_NAMES } from '@dsp/contracts';
import { controllerRoutesIn } from '@dsp/service-defaults';

describe('user-service public routes', () => {
  const served = controllerRoutesIn(__dirname);

  it('should serve under /api exactly the operations the public route table (and so the OpenAPI document) gives it', () => {
    const documented = PUBLIC_ROUTES.filter((r) => r.service === SERVICE_NAMES.user).flatMap((r) =>
      Object.keys(r.methods).map((m) => `${m} ${r.url}`),
    );
    const mine = served.filter((r) => r.path.startsWith('/api/')).map((r) => `${r.method} ${r.path}`);
    expect(documented.length).toBeGreaterThan(3);
    expect([...mine].sort()).toEqual([...documented].sort()); // a route declared twice fails too
  });

  it('should serve nothing under a gateway prefix of another service', () => {
    const others = PUBLIC_PREFIXES.filter((p) => p.service !== SERVICE_NAMES.user).map((p) => p.prefix);
    expect(served.filter((r) => others.some((p) => r.path.startsWith(p)))).toEqual([]);
  });
});
