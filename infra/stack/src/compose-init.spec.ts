import { DEFAULT_ZK_CONNECT } from '@dsp/contracts';
import { composeInitOptions } from './compose-init';
import { KAFKA_NODES } from './topology';

describe('composeInitOptions', () => {
  it("should default to this stack's servers on loopback, as the host command always did", () => {
    expect(composeInitOptions({})).toEqual({
      zkConnect: DEFAULT_ZK_CONNECT,
      kafkaBrokers: KAFKA_NODES.map((n) => `127.0.0.1:${n.brokerPort}`),
      timeoutMs: 240_000,
    });
  });

  it("should take compose's addresses from the services' own variables", () => {
    expect(
      composeInitOptions({ ZK_CONNECT: 'zk1:2181,zk2:2181', KAFKA_BROKERS: 'kafka1:19092, kafka2:19092', STACK_TIMEOUT_MS: '5000' }),
    ).toEqual({ zkConnect: 'zk1:2181,zk2:2181', kafkaBrokers: ['kafka1:19092', 'kafka2:19092'], timeoutMs: 5000 });
  });

  it.each([
    [{ STACK_TIMEOUT_MS: 'soon' }, /STACK_TIMEOUT_MS must be a positive number/],
    [{ STACK_TIMEOUT_MS: '0' }, /STACK_TIMEOUT_MS must be a positive number/],
    [{ KAFKA_BROKERS: 'kafka1' }, /KAFKA_BROKERS must be host:port/],
    [{ KAFKA_BROKERS: ' , ' }, /KAFKA_BROKERS must be host:port/],
    [{ ZK_CONNECT: 'zk1:2181,,zk2:2181' }, /ZK_CONNECT must be host:port/],
  ])('should refuse %j with a reason, not fall back to a default', (env, reason) => {
    expect(() => composeInitOptions(env)).toThrow(reason);
  });
});
