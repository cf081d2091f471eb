import { AdmissionGate, type Admission } from './admission-gate';

const admitted = (a: Admission | Promise<Admission>): Admission & { admitted: true } => {
  if (a instanceof Promise || !a.admitted) throw new Error(`expected an admission at once, got ${JSON.stringify(a)}`);
  return a;
};

describe('AdmissionGate', () => {
  afterEach(() => jest.useRealTimers());

  it('admits up to maxInFlight at once, then queues FIFO, handing each freed slot to the longest waiter', async () => {
    const gate = new AdmissionGate({ maxInFlight: 2, maxQueueMs: 10_000 });
    const a = admitted(gate.enter());
    admitted(gate.enter());
    const order: string[] = [];
    const third = Promise.resolve(gate.enter()).then((x) => (order.push('third'), x));
    const fourth = Promise.resolve(gate.enter()).then((x) => (order.push('fourth'), x));
    expect([gate.inFlight, gate.queued]).toEqual([2, 2]);
    a.release();
    a.release(); // a second release is a no-op: it frees no second slot
    const t = await third;
    expect(t.admitted).toBe(true);
    expect([gate.inFlight, gate.queued]).toEqual([2, 1]);
    expect(order).toEqual(['third']);
    if (t.admitted) t.release();
    expect((await fourth).admitted).toBe(true);
    expect(order).toEqual(['third', 'fourth']);
  });

  it('refuses a waiter after maxQueueMs, and one past maxQueued at once; a refusal holds no slot', async () => {
    jest.useFakeTimers({ now: 0 });
    const gate = new AdmissionGate({ maxInFlight: 1, maxQueueMs: 100, maxQueued: 1, overloadHoldMs: 0 });
    const held = admitted(gate.enter());
    const waiting = gate.enter();
    expect(gate.enter()).toEqual({ admitted: false, reason: 'queue-full', waitedMs: 0 });
    jest.advanceTimersByTime(100);
    expect(await waiting).toEqual({ admitted: false, reason: 'queue-timeout', waitedMs: 100 });
    expect([gate.inFlight, gate.queued]).toEqual([1, 0]);
    held.release();
    expect(gate.inFlight).toBe(0);
    admitted(gate.enter()).release();
  });

  it('once a queue has timed out, refuses at once instead of queueing, until overloadHoldMs pass with nobody turned away', async () => {
    jest.useFakeTimers({ now: 0 });
    const gate = new AdmissionGate({ maxInFlight: 1, maxQueueMs: 100, overloadHoldMs: 500 });
    const held = admitted(gate.enter());
    const waiting = gate.enter();
    jest.advanceTimersByTime(100);
    expect(await waiting).toMatchObject({ admitted: false, reason: 'queue-timeout' });
    jest.advanceTimersByTime(499);
    expect(gate.enter()).toEqual({ admitted: false, reason: 'overloaded', waitedMs: 0 });
    expect(gate.queued).toBe(0);
    // That refusal renewed the overload: 499 ms later it still holds.
    jest.advanceTimersByTime(499);
    expect(gate.enter()).toMatchObject({ admitted: false, reason: 'overloaded' });
    jest.advanceTimersByTime(500);
    const queuedAgain = gate.enter();
    expect(queuedAgain).toBeInstanceOf(Promise);
    held.release();
    const a = await queuedAgain;
    expect(a.admitted).toBe(true);
    if (a.admitted) a.release();
  });

  it("waits no longer than the caller's own budget, and refuses a caller with none left", async () => {
    jest.useFakeTimers({ now: 0 });
    const gate = new AdmissionGate({ maxInFlight: 1, maxQueueMs: 1000 });
    expect(gate.enter(0)).toEqual({ admitted: false, reason: 'deadline', waitedMs: 0 });
    const held = admitted(gate.enter(5000));
    const waiting = gate.enter(30);
    jest.advanceTimersByTime(30);
    expect(await waiting).toEqual({ admitted: false, reason: 'deadline', waitedMs: 30 });
    held.release();
  });

  it('does not let a newcomer overtake the queue when a slot is free for an instant', async () => {
    const gate = new AdmissionGate({ maxInFlight: 1, maxQueueMs: 10_000 });
    const first = admitted(gate.enter());
    const waiter = gate.enter();
    first.release(); // the slot goes to the waiter at once, so the newcomer finds it taken
    const newcomer = gate.enter();
    expect(newcomer).toBeInstanceOf(Promise);
    const w = await waiter;
    expect(w.admitted).toBe(true);
    if (w.admitted) w.release();
    const n = await newcomer;
    expect(n.admitted).toBe(true);
    if (n.admitted) n.release();
    expect(gate.inFlight).toBe(0);
  });

  it('with maxInFlight 0 admits everything; with maxQueueMs 0 never queues', () => {
    const open = new AdmissionGate({ maxInFlight: 0, maxQueueMs: 100 });
    for (let i = 0; i < 1000; i++) admitted(open.enter());
    const strict = new AdmissionGate({ maxInFlight: 1, maxQueueMs: 0 });
    admitted(strict.enter());
    expect(strict.enter()).toEqual({ admitted: false, reason: 'queue-full', waitedMs: 0 });
  });

  it('refuses options that make no sense, loudly', () => {
    expect(() => new AdmissionGate({ maxInFlight: -1, maxQueueMs: 1 })).toThrow(/maxInFlight/);
    expect(() => new AdmissionGate({ maxInFlight: 1.5, maxQueueMs: 1 })).toThrow(/maxInFlight/);
    expect(() => new AdmissionGate({ maxInFlight: 1, maxQueueMs: Number.NaN })).toThrow(/maxQueueMs/);
  });
});
