import 'reflect-metadata';
import { CONFIG_ADMIN_ROUTES } from '@dsp/contracts';
import { controllerRoutes } from '@dsp/service-defaults';
import { ConfigAdminController } from './config-admin.controller';

describe('ConfigAdminController', () => {
  it('should serve, under /internal/config, exactly what the gateway publishes as /api/admin/config/:app', () => {
    const served = controllerRoutes([ConfigAdminController]).map(
      (r) => `${r.method} ${r.path.replace(/^\/internal\/config/, '/api/admin/config/:app')}`,
    );
    const published = CONFIG_ADMIN_ROUTES.flatMap((r) => Object.keys(r.methods).map((m) => `${m} ${r.url}`));
    expect(served.length).toBeGreaterThan(5);
    expect([...served].sort()).toEqual([...published].sort());
  });
});
