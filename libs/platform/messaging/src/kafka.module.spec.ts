import { KAFKA_IDENTITIES } from '@dsp/contracts';
import { saslOf } from './kafka-connection';
import { kafkaIdentityOf } from './kafka.module';

describe('kafkaIdentityOf', () => {
  it("should default to the local stack's SCRAM user of the service; the gateway, which uses no Kafka, has none", () => {
    expect(kafkaIdentityOf({ SERVICE_NAME: 'order-service' })).toEqual({
      username: 'order-service',
      password: KAFKA_IDENTITIES['order-service'].password,
    });
    expect(() => kafkaIdentityOf({ SERVICE_NAME: 'gateway' })).toThrow(/set KAFKA_USER and KAFKA_PASSWORD/);
  });
});

describe('saslOf', () => {
  it('should ask for SCRAM-SHA-512 with a user, nothing without one, and refuse a user without a password', () => {
    expect(saslOf({ username: 'u', password: 'p' })).toEqual({ sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } });
    expect(saslOf({})).toEqual({});
    expect(() => saslOf({ username: 'u' })).toThrow(/no password/);
  });
});
