import { DoorThrottle } from './door-throttle';

describe('DoorThrottle', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('should block an address after its failures until its window ends, then count afresh', () => {
    const t = new DoorThrottle({ failures: 3, windowMs: 10_000, now: clock });
    for (let i = 0; i < 2; i++) t.refused('a');
    expect(t.blockedForMs('a')).toBe(0);
    now += 4000;
    t.refused('a');
    expect(t.blockedForMs('a')).toBe(6000);
    expect(t.blockedForMs('b')).toBe(0);
    now += 6000;
    expect(t.blockedForMs('a')).toBe(0);
    t.refused('a');
    expect(t.blockedForMs('a')).toBe(0);
  });

  it('should forget the oldest address first when it tracks its maximum', () => {
    const t = new DoorThrottle({ failures: 1, windowMs: 60_000, maxAddresses: 2, now: clock });
    t.refused('a');
    t.refused('b');
    expect([t.blockedForMs('a') > 0, t.blockedForMs('b') > 0]).toEqual([true, true]);
    t.refused('c');
    expect([t.blockedForMs('a'), t.blockedForMs('b') > 0, t.blockedForMs('c') > 0]).toEqual([0, true, true]);
  });

  it('should keep a blocked address when fresh ones fill the table, forgetting an unblocked one instead', () => {
    const t = new DoorThrottle({ failures: 2, windowMs: 60_000, maxAddresses: 2, now: clock });
    t.refused('guesser');
    t.refused('guesser');
    t.refused('b');
    t.refused('c');
    expect(t.blockedForMs('guesser')).toBeGreaterThan(0);
    t.refused('c');
    expect(t.blockedForMs('c')).toBeGreaterThan(0);
  });
});
