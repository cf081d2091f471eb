import { Poller, readDeadlineMs } from './poller';
import type { Probe } from './probes/probe';

/** A probe whose reads the test releases one by one, counting how many started. */
class GatedProbe implements Probe<number> {
  readonly cost = 'a test';
  started = 0;
  inFlight = 0;
  maxInFlight = 0;
  closed = 0;
  private releases: ((v: number | Error) => void)[] = [];

  constructor(
    readonly name: string,
    readonly intervalMs = 5,
  ) {}

  collect(): Promise<number> {
    this.started++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<number>((resolve, reject) =>
      this.releases.push((v) => {
        this.inFlight--;
        if (v instanceof Error) reject(v);
        else resolve(v);
      }),
    );
  }

  release(v: number | Error): void {
    this.releases.shift()?.(v);
  }

  async close(): Promise<void> {
    this.closed++;
  }
}

const tick = (ms = 30): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Poller', () => {
  it('should keep one read in flight per probe however often the snapshot is read', async () => {
    const probe = new GatedProbe('zk', 1);
    const poller = new Poller([probe]);
    poller.start();
    for (let i = 0; i < 1000; i++) poller.snapshot();
    await tick();
    expect(probe.started).toBe(1);
    probe.release(1);
    await tick();
    expect(probe.started).toBe(2);
    expect(probe.maxInFlight).toBe(1);
    probe.release(2);
    await poller.close();
  });

  it('should show the last good read with the reason while a probe fails, then recover', async () => {
    const probe = new GatedProbe('kafka');
    const poller = new Poller([probe]);
    expect(poller.panelSnapshot('kafka')).toMatchObject({ status: 'pending', reads: 0 });
    poller.start();
    probe.release(41);
    await tick();
    expect(poller.panelSnapshot('kafka')).toMatchObject({ status: 'ok', data: 41, reads: 1 });
    probe.release(new Error('broker 2 is down'));
    await tick();
    expect(poller.panelSnapshot('kafka')).toMatchObject({ status: 'failing', error: 'broker 2 is down', data: 41, reads: 2 });
    probe.release(43);
    await tick();
    expect(poller.panelSnapshot('kafka')).toMatchObject({ status: 'ok', data: 43, reads: 3 });
    expect(poller.panelSnapshot('kafka')).not.toHaveProperty('error');
    const closing = poller.close();
    probe.release(44); // close waits for the read in flight
    await closing;
  });

  it('should start once, close twice safely, close every probe, and start no read after close', async () => {
    const a = new GatedProbe('a');
    const b = new GatedProbe('b');
    const poller = new Poller([a, b]);
    poller.start();
    expect(() => poller.start()).toThrow(/already started/);
    const closing = poller.close();
    a.release(1);
    b.release(1);
    await closing;
    await poller.close();
    await tick();
    expect([a.started, b.started, a.closed, b.closed]).toEqual([1, 1, 1, 1]);
    expect(() => poller.start()).toThrow(/already closed/);
  });

  it('should refuse two probes with one name', () => {
    expect(() => new Poller([new GatedProbe('x'), new GatedProbe('x')])).toThrow(/two probes are named "x"/);
  });

  it('should settle once every probe has read, and say which probe is late', async () => {
    const a = new GatedProbe('a');
    const b = new GatedProbe('b');
    const poller = new Poller([a, b]);
    poller.start();
    a.release(1);
    await expect(poller.settled(1, 60)).rejects.toThrow(/probes b did not finish a read within 60 ms/);
    b.release(1);
    await expect(poller.settled(0, 60)).resolves.toBeUndefined();
    const closing = poller.close();
    a.release(2);
    await closing;
  });

  it('should mark a probe whose server never answers as failing at the deadline, and close without waiting for it', async () => {
    expect([readDeadlineMs(250), readDeadlineMs(1000), readDeadlineMs(5000)]).toEqual([3000, 5000, 10_000]);
    const silent = new GatedProbe('silent', 100);
    const poller = new Poller([silent]);
    poller.start();
    await tick(readDeadlineMs(100) + 100);
    expect(poller.panelSnapshot('silent')).toMatchObject({
      status: 'failing',
      error: expect.stringMatching(/^no answer within 3000 ms/),
      reads: 0,
    });
    expect(silent.started).toBe(1);
    const began = Date.now();
    await poller.close();
    expect(Date.now() - began).toBeLessThan(2500);
    expect(silent.closed).toBe(1);
  }, 10_000);
});
