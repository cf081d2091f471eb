import { createServer, type Server } from 'node:net';
import { listeningInodes, listeningPid } from './listening-pid';

describe('listeningPid', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('should find this process for a port it listens on', () => {
    expect(listeningPid('127.0.0.1', port)).toBe(process.pid);
  });

  it('should answer undefined for a port nobody listens on', async () => {
    const other = createServer();
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const free = (other.address() as { port: number }).port;
    await new Promise<void>((r) => other.close(() => r()));
    expect(listeningPid('127.0.0.1', free)).toBeUndefined();
  });

  it('should refuse an address that is not loopback', () => {
    expect(() => listeningPid('10.0.0.7', port)).toThrow(`10.0.0.7:${port} is not a loopback address`);
  });

  it('should read only listening sockets of the port from a table', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0',
      '   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0',
      '   2: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0',
    ].join('\n');
    expect([...listeningInodes(table, 8080)]).toEqual(['111']);
  });
});
