import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { stackControl } from '@dsp/ops';
import { REDIS } from '@dsp/infra-stack';

describe('Redis (local stack)', () => {
  describe('when the server is killed with SIGKILL and started again', () => {
    it('should still have a key written before the kill (AOF)', async () => {
      const key = `stack-test:${randomUUID()}`;
      const before = new Redis({ port: REDIS.port, host: '127.0.0.1', lazyConnect: true });
      await before.connect();
      expect(await before.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      await before.set(key, 'survives', 'EX', 600);
      before.disconnect();

      stackControl.kill('redis', 'SIGKILL');
      await stackControl.restart('redis');

      const after = new Redis({ port: REDIS.port, host: '127.0.0.1', lazyConnect: true });
      await after.connect();
      try {
        expect(await after.get(key)).toBe('survives');
      } finally {
        await after.del(key);
        after.disconnect();
      }
    });
  });
});
