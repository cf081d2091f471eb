import { REDIS_IDENTITIES } from '@dsp/contracts';
import { redisIdentityOf } from './redis.module';

describe('redisIdentityOf', () => {
  it("should default to the local stack's user of the service and let env override it", () => {
    expect(redisIdentityOf({ SERVICE_NAME: 'gateway' })).toEqual({ username: 'gateway', password: REDIS_IDENTITIES.gateway.password });
    expect(redisIdentityOf({ SERVICE_NAME: 'gateway', REDIS_USER: 'gw2', REDIS_PASSWORD: 's3cret' })).toEqual({
      username: 'gw2',
      password: 's3cret',
    });
  });

  it('should refuse a service without a local identity and without env, naming the variables', () => {
    expect(() => redisIdentityOf({ SERVICE_NAME: 'Not_In_The_Table' })).toThrow(/set REDIS_USER and REDIS_PASSWORD/);
  });
});
