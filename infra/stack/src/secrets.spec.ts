import { localSecret, localAdminToken, REDIS_IDENTITIES, HTTP_IDENTITIES, TRACE_IDENTITIES, CONSOLE_IDENTITIES } from '@dsp/contracts';
import { localSecretLabels, localSecretValue } from './secrets';

describe('npm run stack -- secret', () => {
  it('should print the same value the services and tests derive', () => {
    expect(localSecretValue('redis/dsp-operator')).toBe(REDIS_IDENTITIES.operator.password);
    expect(localSecretValue('admin-token')).toBe(localAdminToken());
    expect(localSecretValue('http/gateway.public')).toBe(HTTP_IDENTITIES.gateway.publicKeys[0]);
    expect(localSecretValue('mariadb/dsp_repl')).toBe(localSecret('mariadb/dsp_repl'));
    expect(localSecretValue('zipkin/dsp-operator')).toBe(TRACE_IDENTITIES.operator.password);
    expect(localSecretValue('console/dsp-viewer')).toBe(CONSOLE_IDENTITIES.viewer.password);
  });

  it('should name every identity of the tables once', () => {
    const labels = localSecretLabels();
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels).toEqual(
      expect.arrayContaining([
        'zookeeper/dsp-operator',
        'kafka/broker',
        'mariadb/order_svc',
        'http/order-service',
        'console/dsp-viewer',
        'console/dsp-operator',
      ]),
    );
  });

  it('should refuse an unknown label, listing the known ones, rather than print a plausible password', () => {
    expect(() => localSecretValue('redis/dsp-operatr')).toThrow(
      /unknown secret "redis\/dsp-operatr"; secrets of this stack: .*redis\/dsp-operator/,
    );
  });
});
