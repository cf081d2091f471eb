import { placeOf, selfTimeByPlace } from './profile-orders';

describe('profile-orders', () => {
  it('names where a frame lives: ours, a package (scoped or not), Node, a V8 pseudo-frame', () => {
    expect(placeOf('file:///work/main/dist/apps/gateway/src/main.js', 'main')).toBe('ours');
    expect(placeOf('/work/main/node_modules/pino/lib/proto.js', 'write')).toBe('pino');
    expect(placeOf('/work/main/node_modules/@opentelemetry/instrumentation-http/build/src/http.js', 'x')).toBe(
      '@opentelemetry/instrumentation-http',
    );
    expect(placeOf('/a/node_modules/b/node_modules/fast-json-stringify/index.js', 'f')).toBe('fast-json-stringify');
    expect(placeOf('node:internal/streams/writable', 'write')).toBe('node');
    expect(placeOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(placeOf('', 'writev')).toBe('(native)');
  });

  it('adds each sample to its place, leaves idle out, and counts only the window asked for', () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: { functionName: '(idle)', url: '' } },
        { id: 2, callFrame: { functionName: 'f', url: '/x/node_modules/pino/a.js' } },
        { id: 3, callFrame: { functionName: 'g', url: '/x/dist/apps/a.js' } },
      ],
      // Samples at t = 1000, 3000, 6000, 10000 us after a start of 0.
      samples: [2, 1, 3, 2],
      timeDeltas: [1000, 2000, 3000, 4000],
      startTime: 0,
      endTime: 10_000,
    };
    expect(Object.fromEntries(selfTimeByPlace(profile))).toEqual({ pino: 5, ours: 3 });
    expect(Object.fromEntries(selfTimeByPlace(profile, 2000, 7000))).toEqual({ ours: 3 });
  });
});
