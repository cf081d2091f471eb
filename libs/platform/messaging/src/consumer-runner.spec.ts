import { createJsonLogger, type JsonLogger } from '@dsp/service-defaults';
import type { ConsumerLagMonitor } from './consumer-lag-monitor';
import { ConsumerRunner } from './consumer-runner';
import type { EventConsumer } from './event-consumer';
import type { EventProducer } from './event-producer';

/** A debug-level logger that keeps its lines, to assert what was logged. */
function recordingLogger(): { logger: JsonLogger; lines(): Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = { write: (s: string): void => void chunks.push(s) };
  return {
    logger: createJsonLogger({ service: 'spec', instanceId: 'spec', level: 'debug', destination }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** A consumer whose start() is held until the test settles it, as kafkajs's is while joining a group. */
function fakes(): {
  runner: ConsumerRunner;
  consumerStarting: () => boolean;
  failStart: (e: Error) => void;
  lagStarted: () => boolean;
  logs: ReturnType<typeof recordingLogger>;
} {
  let fail: ((e: Error) => void) | undefined;
  let lagStarted = false;
  const producer = { startWithRetry: async () => undefined, close: async () => undefined } as unknown as EventProducer;
  const consumer = {
    start: () => new Promise<void>((_, reject) => (fail = reject)),
    close: async () => fail?.(new Error('The consumer was disconnected while joining the group')),
  } as unknown as EventConsumer;
  const lag = {
    start: () => void (lagStarted = true),
    close: async () => undefined,
  } as unknown as ConsumerLagMonitor;
  const logs = recordingLogger();
  return {
    runner: new ConsumerRunner(producer, consumer, lag, logs.logger),
    consumerStarting: () => fail !== undefined,
    failStart: (e) => fail?.(e),
    lagStarted: () => lagStarted,
    logs,
  };
}

describe('ConsumerRunner', () => {
  // Jest's sandbox does not see the process's 'unhandledRejection', so these
  // tests prove the rejection is handled by the line its handler logs; the
  // process-level effect (exit 1) is covered by service-defaults.int-spec.ts.
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  };

  describe('when the app shuts down while the consumer is still joining its group', () => {
    it('should catch the interrupted start (a debug line) instead of leaving a rejection nobody handles (exit code 1)', async () => {
      const f = fakes();
      f.runner.onModuleInit();
      await settle();
      expect(f.consumerStarting()).toBe(true);
      await f.runner.onApplicationShutdown();
      await settle();
      expect(f.lagStarted()).toBe(false);
      expect(f.logs.lines().some((l) => l.msg === 'start interrupted by shutdown' && l.level === 'debug')).toBe(true);
    });
  });

  describe('when the consumer fails to start while the app runs', () => {
    it('should log the failure as an error instead of leaving it unhandled', async () => {
      const f = fakes();
      f.runner.onModuleInit();
      await settle();
      f.failStart(new Error('group coordinator not available'));
      await settle();
      expect(f.logs.lines().some((l) => l.msg === 'consumer did not start' && l.level === 'error')).toBe(true);
      await f.runner.onApplicationShutdown();
    });
  });
});
