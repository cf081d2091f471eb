import { Writable } from 'node:stream';
import { createJsonLogger } from './json-logger';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createJsonLogger', () => {
  describe('when a line is logged', () => {
    it('should write one JSON object with time, level, service, instance and msg', () => {
      const out = capture();
      createJsonLogger({ service: 'gateway', instanceId: 'gw-1', level: 'info', destination: out.stream }).info({ reqId: 'r1' }, 'hello');
      expect(out.lines()).toEqual([
        expect.objectContaining({
          level: 'info',
          service: 'gateway',
          instance: 'gw-1',
          reqId: 'r1',
          msg: 'hello',
          time: expect.any(String),
        }),
      ]);
    });
  });

  describe('when a log field is named like a base binding', () => {
    it('should keep service and instance naming the writer, and move the field aside', () => {
      const out = capture();
      createJsonLogger({ service: 'gateway', instanceId: 'gw-1', level: 'info', destination: out.stream }).info(
        { service: 'user-service', instance: 'us-2' },
        'instances changed',
      );
      const [line] = out.lines();
      expect(line).toMatchObject({ service: 'gateway', instance: 'gw-1', subjectService: 'user-service', subjectInstance: 'us-2' });
    });
  });
});
