import { ZkError } from '../zk-error';
import { ExponentialBackoffRetry, RetryNTimes, RetryUntilElapsed } from './retry-policy';
import { withRetry } from './with-retry';

describe('ExponentialBackoffRetry', () => {
  describe('when retrying', () => {
    it('should grow the delay and never exceed the cap', () => {
      const max = new ExponentialBackoffRetry(100, 10, 1500, () => 0.999);
      const delays = [0, 1, 2, 3, 4].map((n) => max.nextDelayMs(n));
      expect(delays).toEqual([200, 400, 800, 1500, 1500]);
      const min = new ExponentialBackoffRetry(100, 10, 1500, () => 0);
      expect(min.nextDelayMs(3)).toBe(100);
    });

    it('should give up after maxRetries', () => {
      const p = new ExponentialBackoffRetry(10, 2, 100);
      expect(p.nextDelayMs(1)).toBeDefined();
      expect(p.nextDelayMs(2)).toBeUndefined();
    });
  });
});

describe('RetryNTimes / RetryUntilElapsed', () => {
  it('should stop after N tries or after the time budget', () => {
    expect(new RetryNTimes(2, 50).nextDelayMs(1)).toBe(50);
    expect(new RetryNTimes(2, 50).nextDelayMs(2)).toBeUndefined();
    expect(new RetryUntilElapsed(1000, 100).nextDelayMs(7, 900)).toBe(100);
    expect(new RetryUntilElapsed(1000, 100).nextDelayMs(7, 901)).toBeUndefined();
  });
});

describe('withRetry', () => {
  const ctx = { waitConnected: async () => undefined };

  describe('when the operation loses the connection twice', () => {
    it('should retry and return the third result', async () => {
      let calls = 0;
      const result = await withRetry(ctx, new RetryNTimes(5, 1), async () => {
        calls++;
        if (calls < 3) throw new ZkError(-4, 'getData', '/x');
        return 'ok';
      });
      expect({ result, calls }).toEqual({ result: 'ok', calls: 3 });
    });
  });

  describe('when the error is not retryable', () => {
    it('should throw at once', async () => {
      let calls = 0;
      await expect(
        withRetry(ctx, new RetryNTimes(5, 1), async () => {
          calls++;
          throw new ZkError(-102, 'setData', '/config/x');
        }),
      ).rejects.toThrow(/ZNOAUTH/);
      expect(calls).toBe(1);
    });
  });

  describe('when the policy gives up', () => {
    it('should throw the last connection error', async () => {
      await expect(withRetry(ctx, new RetryNTimes(1, 1), async () => Promise.reject(new ZkError(-4, 'create', '/y')))).rejects.toThrow(
        /ZCONNECTIONLOSS/,
      );
    });
  });
});
