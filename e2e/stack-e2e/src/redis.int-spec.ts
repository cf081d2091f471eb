import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { stackControl } from '@dsp/ops';
import { REDIS_IDENTITIES } from '@dsp/contracts';
import { REDIS } from '@dsp/infra-stack';

const OPERATOR = { username: REDIS_IDENTITIES.operator.user, password: REDIS_IDENTITIES.operator.password };

describe('Redis (local stack)', () => {
  describe('when the server is killed with SIGKILL and started again', () => {
    it("should still have a key written before the kill (AOF), by a command and by a service's script", async () => {
      const key = `stack-test:${randomUUID()}`;
      // A script's writes reach the AOF as MULTI/EXEC, replayed as the default user: with the
      // default user off *and* without rights, Redis 7.0 dropped them on restart (ADR 0010).
      const scripted = `dsp:sess:stack-test-${randomUUID()}`;
      const svc = REDIS_IDENTITIES['user-service'];
      const asService = new Redis({ port: REDIS.port, host: '127.0.0.1', username: svc.user, password: svc.password, lazyConnect: true });
      await asService.connect();
      await asService.eval("redis.call('HSET', KEYS[1], 'uid', '1'); return redis.call('PEXPIRE', KEYS[1], 600000)", 1, scripted);
      asService.disconnect();
      const before = new Redis({ port: REDIS.port, host: '127.0.0.1', ...OPERATOR, lazyConnect: true });
      await before.connect();
      expect(await before.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      await before.set(key, 'survives', 'EX', 600);
      before.disconnect();

      stackControl.kill('redis', 'SIGKILL');
      await stackControl.restart('redis');

      const after = new Redis({ port: REDIS.port, host: '127.0.0.1', ...OPERATOR, lazyConnect: true });
      await after.connect();
      try {
        expect(await after.get(key)).toBe('survives');
        expect(await after.hget(scripted, 'uid')).toBe('1');
      } finally {
        await after.del(key, scripted);
        after.disconnect();
      }
    });
  });
});
