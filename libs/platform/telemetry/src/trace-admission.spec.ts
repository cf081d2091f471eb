import { SpanKind, trace } from '@opentelemetry/api';
import { TraceAdmission } from './trace-admission';
import { Tracing } from './tracing';

const SAMPLED = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const UNSAMPLED = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';

describe('TraceAdmission', () => {
  afterEach(() => TraceAdmission.reset());

  it('handles a request that carries a trace on any service, sampled or not', () => {
    TraceAdmission.configure({ edge: false, ratio: 0 });
    expect(TraceAdmission.admits({ traceparent: SAMPLED })).toBe(true);
    expect(TraceAdmission.admits({ traceparent: UNSAMPLED })).toBe(true);
  });

  it('leaves a request without a trace untraced on a service that is not an edge, whatever its ratio', () => {
    TraceAdmission.configure({ edge: false, ratio: 1 });
    expect(TraceAdmission.admits({}, () => 0)).toBe(false);
    expect(TraceAdmission.admits({ traceparent: 'garbage' }, () => 0)).toBe(false);
  });

  it('starts traces at an edge for its ratio of the requests without one', () => {
    TraceAdmission.configure({ edge: true, ratio: 0.1 });
    let admitted = 0;
    for (let i = 0; i < 1000; i++) if (TraceAdmission.admits({}, () => i / 1000)) admitted++;
    expect(admitted).toBe(100);
    TraceAdmission.configure({ edge: true, ratio: 0 });
    expect(TraceAdmission.admits({}, () => 0)).toBe(false);
  });

  it('handles only requests that carry a trace before it is configured, and refuses a ratio outside 0..1', () => {
    expect(TraceAdmission.admits({}, () => 0)).toBe(false);
    expect(TraceAdmission.admits({ traceparent: SAMPLED })).toBe(true);
    expect(() => TraceAdmission.configure({ edge: true, ratio: 2 })).toThrow(/within 0\.\.1/);
  });

  it('is configured by Tracing.start and reset by its close; at an edge what was admitted is recorded', async () => {
    const handle = Tracing.start({ service: 'gateway', instanceId: 'gw-1', sampleRatio: 0.1, edge: true });
    expect(TraceAdmission.admits({}, () => 0.05)).toBe(true);
    expect(TraceAdmission.admits({}, () => 0.5)).toBe(false);
    // The ratio was applied on admission; a new request's span reaching the sampler is recorded, not sampled again.
    for (let i = 0; i < 20; i++) expect(trace.getTracer('t').startSpan('GET /', { kind: SpanKind.SERVER }).isRecording()).toBe(true);
    await handle.close();
    expect(TraceAdmission.admits({}, () => 0)).toBe(false);
  });
});
