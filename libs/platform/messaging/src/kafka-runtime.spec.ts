import { createJsonLogger, type JsonLogger } from '@dsp/service-defaults';
import type { ConsumerLagMonitor } from './consumer-lag-monitor';
import { ConsumerRunner } from './consumer-runner';
import type { EventConsumer } from './event-consumer';
import type { EventProducer } from './event-producer';
import { KafkaRuntime } from './kafka-runtime';

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

/** A runtime over a fake producer (started when the test says so) and consumers whose start() is held, as kafkajs's is while joining a group. */
function fakes(consumerCount = 1) {
  const events: string[] = [];
  let producerUp: (() => void) | undefined;
  const producer = {
    startWithRetry: () => new Promise<void>((resolve) => (producerUp = resolve)),
    close: async () => void events.push('producer closed'),
  } as unknown as EventProducer;
  const logs = recordingLogger();
  const runtime = new KafkaRuntime(producer, logs.logger, { closeTimeoutMs: 200 });
  const consumers = Array.from({ length: consumerCount }, (_, i) => {
    let fail: ((e: Error) => void) | undefined;
    let lagStarted = false;
    const consumer = {
      start: () => {
        events.push(`consumer ${i} starting`);
        return new Promise<void>((_, reject) => (fail = reject));
      },
      close: async () => {
        events.push(`consumer ${i} closed`);
        fail?.(new Error('The consumer was disconnected while joining the group'));
      },
    } as unknown as EventConsumer;
    const lag = { start: () => void (lagStarted = true), close: async () => undefined } as unknown as ConsumerLagMonitor;
    const runner = new ConsumerRunner(consumer, lag, logs.logger);
    runtime.add(runner);
    return { failStart: (e: Error) => fail?.(e), starting: () => fail !== undefined, lagStarted: () => lagStarted };
  });
  return { runtime, consumers, events, logs, producerUp: () => producerUp?.() };
}

// Jest's sandbox does not see the process's 'unhandledRejection', so these
// tests prove a rejection is handled by the line its handler logs; the
// process-level effect (exit 1) is covered by service-defaults.int-spec.ts.
const settle = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

describe('KafkaRuntime', () => {
  it('should not hold up the boot, and start consumers only once the producer is connected', async () => {
    const f = fakes(2);
    f.runtime.onModuleInit(); // returns at once
    await settle();
    expect(f.consumers.map((c) => c.starting())).toEqual([false, false]);
    f.producerUp();
    await settle();
    expect(f.consumers.map((c) => c.starting())).toEqual([true, true]);
    await f.runtime.onApplicationShutdown();
  });

  it('should close every consumer before the producer, and be safe to close twice', async () => {
    const f = fakes(2);
    f.runtime.onModuleInit();
    f.producerUp();
    await settle();
    await f.runtime.onApplicationShutdown();
    await f.runtime.onApplicationShutdown();
    expect(f.events.filter((e) => e.endsWith('closed'))).toEqual(['consumer 0 closed', 'consumer 1 closed', 'producer closed']);
  });

  it('should refuse a consumer added after it closed', async () => {
    const f = fakes(0);
    await f.runtime.onApplicationShutdown();
    expect(() => f.runtime.add({} as ConsumerRunner)).toThrow('KafkaRuntime is closed');
  });

  describe('when the app shuts down while a consumer is still joining its group', () => {
    it('should catch the interrupted start (a debug line) instead of leaving a rejection nobody handles (exit code 1)', async () => {
      const f = fakes();
      f.runtime.onModuleInit();
      f.producerUp();
      await settle();
      expect(f.consumers[0]?.starting()).toBe(true);
      await f.runtime.onApplicationShutdown();
      await settle();
      expect(f.consumers[0]?.lagStarted()).toBe(false);
      expect(f.logs.lines().some((l) => l.msg === 'start interrupted by shutdown' && l.level === 'debug')).toBe(true);
    });
  });

  describe('when a consumer fails to start while the app runs', () => {
    it('should log the failure as an error instead of leaving it unhandled', async () => {
      const f = fakes();
      f.runtime.onModuleInit();
      f.producerUp();
      await settle();
      f.consumers[0]?.failStart(new Error('group coordinator not available'));
      await settle();
      expect(f.logs.lines().some((l) => l.msg === 'consumer did not start' && l.level === 'error')).toBe(true);
      await f.runtime.onApplicationShutdown();
    });
  });
});
