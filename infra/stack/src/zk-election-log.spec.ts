import { compareVotes } from './zk-election-log';

describe('compareVotes', () => {
  describe('when two votes are ordered as FastLeaderElection does', () => {
    it('should prefer the higher epoch, then the higher zxid, then the higher myid', () => {
      const v = (epoch: number, zxid: number, sid: number) => ({ epoch: BigInt(epoch), zxid: BigInt(zxid), sid });
      expect(compareVotes(v(2, 0, 1), v(1, 99, 3))).toBeGreaterThan(0);
      expect(compareVotes(v(1, 5, 1), v(1, 4, 3))).toBeGreaterThan(0);
      expect(compareVotes(v(1, 5, 3), v(1, 5, 2))).toBeGreaterThan(0);
      const winner = [v(1, 7, 1), v(1, 7, 2)].sort(compareVotes).at(-1);
      expect(winner?.sid).toBe(2); // same data: the larger myid wins (docs/notes.md#nQ)
    });
  });
});
