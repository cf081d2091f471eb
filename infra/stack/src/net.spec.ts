import { parseKeyValues } from './net';

describe('parseKeyValues', () => {
  describe('when given srvr output', () => {
    it('should read "key: value" lines', () => {
      const kv = parseKeyValues('Zookeeper version: 3.9.5\nLatency min/avg/max: 0/0.1/3\nMode: leader\nZxid: 0x200000004\n');
      expect(kv['Mode']).toBe('leader');
      expect(kv['Zxid']).toBe('0x200000004');
    });
  });

  describe('when given mntr output', () => {
    it('should read tab-separated lines', () => {
      const kv = parseKeyValues('zk_server_state\tleader\nzk_synced_followers\t2\n');
      expect(kv).toMatchObject({ zk_server_state: 'leader', zk_synced_followers: '2' });
    });
  });
});
