import type { LoadResult } from '@dsp/load-kit';
import { medianRun, roundOrder, tracingRatio, type TracingCostRow, type TracingMode } from './telemetry-cost';

const run = (successesPerSec: number): LoadResult => ({ successesPerSec }) as LoadResult;
const row = (mode: TracingMode, ...perSec: number[]): TracingCostRow => {
  const runs = perSec.map(run);
  return { mode, what: mode, runs, result: medianRun(runs) };
};

describe('telemetry-cost', () => {
  it('starts each round one mode later, so no mode always runs first or right after the same one', () => {
    expect(roundOrder(0)).toEqual(['off', 'default', 'all', 'console']);
    expect(roundOrder(1)).toEqual(['default', 'all', 'console', 'off']);
    expect(roundOrder(2)).toEqual(['all', 'console', 'off', 'default']);
    expect(roundOrder(4)).toEqual(roundOrder(0));
  });

  it('takes the median run by 2xx/s, the lower middle one of an even count', () => {
    expect(medianRun([run(140), run(120), run(160)]).successesPerSec).toBe(140);
    expect(medianRun([run(4), run(1), run(3), run(2)]).successesPerSec).toBe(2);
    expect(() => medianRun([])).toThrow(/no runs/);
  });

  it("pairs each round's run with off's in the same round, so drift between rounds is not counted as cost", () => {
    // The machine slows by a third between rounds; tracing costs 5% in each round.
    const rows = [row('off', 150, 120, 100), row('default', 142.5, 114, 95)];
    const { perRound, median } = tracingRatio(rows, 'default');
    expect(perRound.map((x) => x.toFixed(3))).toEqual(['0.950', '0.950', '0.950']);
    expect(median).toBeCloseTo(0.95);
    // One round whose off run was slow (1.58x) does not make tracing look free.
    const skewed = [row('off', 150, 90, 150), row('default', 142.5, 142.5, 142.5)];
    expect(tracingRatio(skewed, 'default').perRound[1]).toBeCloseTo(1.583, 3);
    expect(tracingRatio(skewed, 'default').median).toBeCloseTo(0.95);
  });

  it('refuses rows that cannot be paired', () => {
    expect(() => tracingRatio([row('default', 1)], 'default')).toThrow(/no off runs/);
    expect(() => tracingRatio([row('off', 1, 2), row('all', 1)], 'all')).toThrow(/2 off runs, 1 all runs/);
  });
});
