import { createJsonLogger } from '@dsp/service-defaults';
import type { Experiment, ExperimentContext } from './experiment';
import { ExperimentRefused, ExperimentRunner } from './experiment-runner';

const logger = createJsonLogger({ service: 'console', instanceId: 'spec', level: 'silent' });
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 10));

const experiment = (
  name: string,
  run: (ctx: ExperimentContext) => Promise<never> | Promise<{ held: boolean; summary: string; evidence: [] }>,
): Experiment => ({
  name,
  title: name,
  description: name,
  notes: [],
  run,
});

describe('ExperimentRunner', () => {
  it('should end a run that throws as failed, with its reason, and free the runner', async () => {
    const runner = new ExperimentRunner(
      [
        experiment('boom', async () => {
          throw new Error('the ensemble is not healthy');
        }),
        experiment('ok', async () => ({ held: false, summary: 'it broke', evidence: [] })),
      ],
      logger,
    );
    const run = runner.start('boom', 'dsp-operator');
    await settle();
    expect(runner.run(run.id)).toMatchObject({ state: 'failed', error: 'the ensemble is not healthy' });
    expect(runner.run(run.id)?.durationMs).toBeGreaterThanOrEqual(0);
    const next = runner.start('ok', 'dsp-operator');
    await settle();
    expect(runner.run(next.id)).toMatchObject({ state: 'broken', verdict: { summary: 'it broke' } });
    await runner.close();
  });

  it('should abort the running experiment on close, wait for it to heal, refuse new runs, and close twice safely', async () => {
    let healed = false;
    const runner = new ExperimentRunner(
      [
        experiment('long', async (ctx) => {
          await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r()));
          await settle();
          healed = true;
          return { held: false, summary: 'aborted', evidence: [] };
        }),
      ],
      logger,
    );
    runner.start('long', 'dsp-operator');
    await Promise.all([runner.close(), runner.close()]);
    expect(healed).toBe(true);
    expect(() => runner.start('long', 'dsp-operator')).toThrow(ExperimentRefused);
  });

  it('should refuse two experiments with one name', () => {
    const e = experiment('x', async () => ({ held: true, summary: '', evidence: [] }));
    expect(() => new ExperimentRunner([e, e], logger)).toThrow(/two experiments are named "x"/);
  });
});
