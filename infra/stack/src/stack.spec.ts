import { formatStatus } from './stack';
import { socketPath } from './topology';

describe('formatStatus', () => {
  describe('when given rows', () => {
    it('should align columns under a header and show "-" for a missing pid', () => {
      const out = formatStatus([
        { server: 'zk-1', port: 2181, pid: 10, role: 'leader', health: 'up', detail: 'zxid 0x1' },
        { server: 'mysql-c0-replica', port: 3308, pid: undefined, role: 'replica', health: 'down', detail: '' },
      ]).split('\n');
      expect(out[0]).toMatch(/^SERVER\s+PORT\s+PID\s+ROLE\s+HEALTH\s+DETAIL$/);
      expect(out[1]?.indexOf('2181')).toBe(out[0]?.indexOf('PORT'));
      expect(out[2]).toMatch(/^mysql-c0-replica\s+3308\s+-\s+replica\s+down$/);
    });
  });
});

describe('socketPath', () => {
  describe('when the preferred path is too long for a unix socket', () => {
    it('should fall back to a short, stable path in the temp dir', () => {
      const long = `/very/${'deep/'.repeat(30)}dir`;
      const p = socketPath(long, 'mysqld');
      expect(p.length).toBeLessThan(100);
      expect(socketPath(long, 'mysqld')).toBe(p);
    });
  });
});
