import { MetricsRegistry } from './metrics-registry';

describe('MetricsRegistry', () => {
  describe('collected()', () => {
    it('should read the value at scrape time, each scrape', async () => {
      const metrics = new MetricsRegistry('svc', 'svc-1');
      let depth = 3;
      metrics.collected('queue_depth', 'Items waiting.', ['queue'], (g) => g.set({ queue: 'a' }, depth));
      expect(await metrics.render()).toMatch(/^queue_depth\{queue="a",service="svc",instance="svc-1"\} 3$/m);
      depth = 7;
      expect(await metrics.render()).toMatch(/^queue_depth\{queue="a",service="svc",instance="svc-1"\} 7$/m);
    });

    it('should answer the scrape when a collect throws', async () => {
      const metrics = new MetricsRegistry('svc', 'svc-1');
      metrics.collected('broken_probe', 'Fails.', [], () => Promise.reject(new Error('down')));
      metrics.counter('still_here_total', 'Counts.', []).inc();
      expect(await metrics.render()).toMatch(/^still_here_total\{service="svc",instance="svc-1"\} 1$/m);
    });

    it('should run every collect added to one name, and refuse the name as another kind', async () => {
      const metrics = new MetricsRegistry('svc', 'svc-1');
      const a = metrics.collected('x_lag', 'Lag.', ['source'], (g) => g.set({ source: 'a' }, 1));
      expect(metrics.collected('x_lag', 'Lag.', ['source'], (g) => g.set({ source: 'b' }, 2))).toBe(a);
      const text = await metrics.render();
      expect(text).toMatch(/^x_lag\{source="a",service="svc",instance="svc-1"\} 1$/m);
      expect(text).toMatch(/^x_lag\{source="b",service="svc",instance="svc-1"\} 2$/m);
      expect(() => metrics.counter('x_lag', 'Lag.', [])).toThrow(/already registered as a gauge/);
    });
  });
});
