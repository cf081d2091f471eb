import { createJsonLogger, type JsonLogger } from '@dsp/service-defaults';

/** A JSON logger for tests: silent unless TEST_LOG_LEVEL is set. */
export function testLogger(name = 'test'): JsonLogger {
  const level = (process.env['TEST_LOG_LEVEL'] ?? 'silent') as 'silent';
  return createJsonLogger({ service: name, instanceId: `${name}-${process.pid}`, level });
}
