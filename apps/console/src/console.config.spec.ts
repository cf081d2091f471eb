import { CONSOLE_IDENTITIES, CONSOLE_PORT } from '@dsp/contracts';
import { loadConsoleConfig } from './console.config';

describe('loadConsoleConfig', () => {
  it("should default to the loopback stack: the contract's port, four ZooKeeper servers with one observer, both clusters", () => {
    const c = loadConsoleConfig({});
    expect(c.CONSOLE_PORT).toBe(CONSOLE_PORT);
    expect(c.CONSOLE_HOST).toBe('127.0.0.1');
    expect(c.ZK_ENSEMBLE.map((s) => `${s.myid}:${s.port}:${s.role}`)).toEqual([
      '1:2181:voter',
      '2:2182:voter',
      '3:2183:voter',
      '4:2184:observer',
    ]);
    expect(c.MYSQL_SERVERS).toHaveLength(2);
    expect(c.CONSOLE_VIEWER_PASSWORD).toBe(CONSOLE_IDENTITIES.viewer.password);
  });

  it('should name every bad variable at once', () => {
    expect(() => loadConsoleConfig({ CONSOLE_PORT: 'eighty', ZK_ENSEMBLE: 'zk1:2181', CONSOLE_POLL_MS: '10' })).toThrow(
      /invalid configuration for console:\n {2}- CONSOLE_PORT: .*"eighty"\n {2}- ZK_ENSEMBLE: expected myid=host:port\[:observer\].*\n {2}- CONSOLE_POLL_MS: expected at least 250 ms/,
    );
  });

  it('should demand every password under PLATFORM_PROFILE=production, naming each', () => {
    expect(() => loadConsoleConfig({ PLATFORM_PROFILE: 'production', CONSOLE_VIEWER_PASSWORD: 'x' })).toThrow(
      /CONSOLE_OPERATOR_PASSWORD: must be set explicitly[\s\S]*KAFKA_PASSWORD[\s\S]*PROMETHEUS_PASSWORD/,
    );
    expect(() => loadConsoleConfig({ PLATFORM_PROFILE: 'production', CONSOLE_VIEWER_PASSWORD: 'x' })).not.toThrow(
      /CONSOLE_VIEWER_PASSWORD/,
    );
  });

  it('should read a compose-style ensemble', () => {
    const c = loadConsoleConfig({ ZK_ENSEMBLE: '1=zk1:2181,2=zk2:2181,3=zk3:2181,4=zk4:2181:observer' });
    expect(c.ZK_ENSEMBLE[3]).toEqual({ myid: 4, host: 'zk4', port: 2181, role: 'observer' });
  });

  it('should refuse ports out of range', () => {
    expect(() => loadConsoleConfig({ ZK_ENSEMBLE: '1=zk1:99999', MYSQL_SERVERS: 'a:0/b:3306' })).toThrow(
      /ZK_ENSEMBLE: expected ports from 1 to 65535[\s\S]*MYSQL_SERVERS: expected ports from 1 to 65535/,
    );
  });
});
