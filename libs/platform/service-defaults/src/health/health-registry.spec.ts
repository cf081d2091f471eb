import { HealthRegistry } from './health-registry';

describe('HealthRegistry', () => {
  describe('when every check passes', () => {
    it('should be ready and list each check as up', async () => {
      const h = new HealthRegistry(100);
      h.register({ name: 'a', check: async () => undefined });
      h.register({ name: 'b', check: async () => undefined });
      const r = await h.readiness();
      expect(r.status).toBe('ready');
      expect(Object.keys(r.checks)).toEqual(['a', 'b']);
      expect(r.checks['a']?.status).toBe('up');
    });
  });

  describe('when a check fails or is too slow', () => {
    it('should be not-ready and say why for each failing check', async () => {
      const h = new HealthRegistry(50);
      h.register({ name: 'ok', check: async () => undefined });
      h.register({ name: 'broken', check: async () => Promise.reject(new Error('connection refused')) });
      h.register({ name: 'slow', check: () => new Promise((r) => setTimeout(r, 500)) });
      const r = await h.readiness();
      expect(r.status).toBe('not-ready');
      expect(r.checks['broken']).toMatchObject({ status: 'down', error: 'connection refused' });
      expect(r.checks['slow']).toMatchObject({ status: 'down', error: 'no answer within 50 ms' });
      expect(r.checks['ok']?.status).toBe('up');
    });
  });

  describe('when draining', () => {
    it('should report draining even though every check passes', async () => {
      const h = new HealthRegistry(100);
      h.register({ name: 'a', check: async () => undefined });
      h.startDraining();
      expect((await h.readiness()).status).toBe('draining');
    });
  });

  describe('when two checks share a name', () => {
    it('should refuse the second', () => {
      const h = new HealthRegistry(100);
      h.register({ name: 'a', check: async () => undefined });
      expect(() => h.register({ name: 'a', check: async () => undefined })).toThrow(/registered twice/);
    });
  });
});
