import { parseSrvr } from './four-letter-word';

const SRVR = `Zookeeper version: 3.9.5-1234abcd, built on 2025-01-01 00:00 UTC
Latency min/avg/max: 0/0.4/12
Received: 120
Sent: 119
Connections: 3
Outstanding: 0
Zxid: 0x50000002a
Mode: leader
Node count: 42
Proposal sizes last/min/max: 48/36/210
`;

describe('parseSrvr', () => {
  it('should read the mode, split the zxid into epoch and counter, and read the counts', () => {
    expect(parseSrvr(SRVR)).toEqual({
      mode: 'leader',
      zxid: '0x50000002a',
      epoch: 5,
      counter: 42,
      connections: 3,
      nodes: 42,
      version: '3.9.5',
    });
  });

  it("should throw the server's own words when it does not serve", () => {
    expect(() => parseSrvr('This ZooKeeper instance is not currently serving requests\n')).toThrow(
      /^This ZooKeeper instance is not currently serving requests$/,
    );
    expect(() => parseSrvr('')).toThrow(/no answer to srvr/);
    expect(() => parseSrvr(SRVR.replace('Mode: leader', 'Mode: boss'))).toThrow(/unknown mode "boss"/);
  });
});
