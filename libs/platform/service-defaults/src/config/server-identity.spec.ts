import { serverIdentity } from './server-identity';

const LOCAL = { gateway: { user: 'gateway', password: 'gw_local' } };

describe('serverIdentity', () => {
  it("should default to the local stack's identity of the service and let env override it", () => {
    expect(serverIdentity('Kafka', 'KAFKA', LOCAL, { SERVICE_NAME: 'gateway' })).toEqual({ username: 'gateway', password: 'gw_local' });
    expect(serverIdentity('Kafka', 'KAFKA', LOCAL, { SERVICE_NAME: 'gateway', KAFKA_USER: 'gw2', KAFKA_PASSWORD: 's3cret' })).toEqual({
      username: 'gw2',
      password: 's3cret',
    });
  });

  it('should read only its own prefix', () => {
    expect(serverIdentity('Kafka', 'KAFKA', LOCAL, { SERVICE_NAME: 'gateway', REDIS_PASSWORD: 'other' }).password).toBe('gw_local');
  });

  it('should refuse a service without a local identity and without env, naming the variables', () => {
    expect(() => serverIdentity('Kafka', 'KAFKA', LOCAL, { SERVICE_NAME: 'inventory-service' })).toThrow(
      'no Kafka identity for "inventory-service": set KAFKA_USER and KAFKA_PASSWORD (docs/security.md)',
    );
    expect(() => serverIdentity('Kafka', 'KAFKA', LOCAL, { SERVICE_NAME: 'inventory-service', KAFKA_USER: 'inv' })).toThrow(
      /KAFKA_PASSWORD/,
    );
  });
});
