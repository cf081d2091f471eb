import { GtidPosition } from './gtid-position';

describe('GtidPosition', () => {
  describe('when parsing', () => {
    it('should read every domain and keep the highest sequence of each', () => {
      const p = GtidPosition.parse('0-1-42,1-2-7,0-3-40');
      expect(p.toString()).toBe('0-0-42,1-0-7');
    });

    it('should treat empty and null as the empty position', () => {
      expect(GtidPosition.parse('').isEmpty()).toBe(true);
      expect(GtidPosition.parse(null).isEmpty()).toBe(true);
    });

    it('should name the text it cannot parse', () => {
      expect(() => GtidPosition.parse('0-1')).toThrow('not a GTID position: "0-1"');
    });
  });

  describe('when comparing', () => {
    it('should cover a target only when every domain of the target is reached', () => {
      const replica = GtidPosition.parse('0-1-100,1-1-5');
      expect(replica.covers(GtidPosition.parse('0-1-100'))).toBe(true);
      expect(replica.covers(GtidPosition.parse('0-1-101'))).toBe(false);
      expect(replica.covers(GtidPosition.parse('2-1-1'))).toBe(false);
      expect(replica.covers(GtidPosition.EMPTY)).toBe(true);
    });

    it('should count the transactions a position is behind', () => {
      expect(GtidPosition.parse('0-1-90').behind(GtidPosition.parse('0-1-100,1-1-3'))).toBe(13n);
      expect(GtidPosition.parse('0-1-100').behind(GtidPosition.parse('0-1-100'))).toBe(0n);
    });
  });
});
