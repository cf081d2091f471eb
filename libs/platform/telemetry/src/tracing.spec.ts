import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { EdgeSampler } from './edge-sampler';
import { publishTraced } from './publish-spans';
import { contextFromTraceparent, currentTraceparent } from './trace-context';
import { tracingDisabled } from './sdk-disabled';
import { Tracing } from './tracing';

const SAMPLED = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const UNSAMPLED = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';

describe('EdgeSampler', () => {
  const id = (n: number): string => n.toString(16).padStart(32, '0');

  it('follows a remote parent both ways, whatever its own ratio', () => {
    const never = new EdgeSampler(0);
    const always = new EdgeSampler(1);
    expect(never.shouldSample(contextFromTraceparent(SAMPLED), id(1), 'x', SpanKind.CLIENT, {}, []).decision).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
    expect(always.shouldSample(contextFromTraceparent(UNSAMPLED), id(1), 'x', SpanKind.SERVER, {}, []).decision).toBe(
      SamplingDecision.NOT_RECORD,
    );
  });

  it('starts traces only at incoming requests', () => {
    const always = new EdgeSampler(1);
    for (const kind of [SpanKind.CLIENT, SpanKind.INTERNAL, SpanKind.PRODUCER, SpanKind.CONSUMER])
      expect(always.shouldSample(ROOT_CONTEXT, id(7), 'q', kind, {}, []).decision).toBe(SamplingDecision.NOT_RECORD);
    expect(always.shouldSample(ROOT_CONTEXT, id(7), 'q', SpanKind.SERVER, {}, []).decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('samples about its ratio of new traces', () => {
    const tenth = new EdgeSampler(0.1);
    let sampled = 0;
    for (let i = 0; i < 10_000; i++) {
      const traceId = (BigInt(i) * 0x9e3779b97f4a7c15n).toString(16).padStart(32, '0').slice(-32);
      if (tenth.shouldSample(ROOT_CONTEXT, traceId, 'GET /', SpanKind.SERVER, {}, []).decision === SamplingDecision.RECORD_AND_SAMPLED)
        sampled++;
    }
    expect(sampled).toBeGreaterThan(800);
    expect(sampled).toBeLessThan(1200);
  });

  it('refuses a ratio outside 0..1', () => {
    expect(() => new EdgeSampler(1.5)).toThrow(/within 0\.\.1/);
    expect(() => new EdgeSampler(Number.NaN)).toThrow(/within 0\.\.1/);
  });
});

describe('Tracing', () => {
  it('is started once per process, closes twice safely, and starts again after', async () => {
    const first = Tracing.start({ service: 'a', instanceId: 'a-1', sampleRatio: 1 });
    const second = Tracing.start({ service: 'b', instanceId: 'b-1', sampleRatio: 0 });
    expect(first.owner).toBe(true);
    expect(first.exporting).toBe(false);
    expect(second.owner).toBe(false);
    await second.close();
    // The owner's sampler still holds: a request span is recorded at ratio 1.
    const span = trace.getTracer('t').startSpan('GET /', { kind: SpanKind.SERVER });
    expect(span.isRecording()).toBe(true);
    span.end();
    await first.close();
    await first.close();
    expect(trace.getTracer('t').startSpan('GET /', { kind: SpanKind.SERVER }).isRecording()).toBe(false);
    const again = Tracing.start({ service: 'c', instanceId: 'c-1', sampleRatio: 1 });
    expect(again.owner).toBe(true);
    await again.close();
  });

  it('starts nothing when disabled (OTEL_SDK_DISABLED=true)', async () => {
    const off = Tracing.start({ service: 'a', instanceId: 'a-1', sampleRatio: 1, disabled: true });
    expect(off).toMatchObject({ owner: false, exporting: false });
    expect(trace.getTracer('t').startSpan('GET /', { kind: SpanKind.SERVER }).isRecording()).toBe(false);
    await off.close();
    expect(tracingDisabled({ OTEL_SDK_DISABLED: 'TRUE' })).toBe(true);
    expect(tracingDisabled({ OTEL_SDK_DISABLED: 'false' })).toBe(false);
    expect(tracingDisabled({})).toBe(false);
  });

  describe('with a provider', () => {
    let handle: ReturnType<typeof Tracing.start>;
    beforeAll(() => {
      handle = Tracing.start({ service: 'svc', instanceId: 'svc-1', sampleRatio: 1 });
    });
    afterAll(() => handle.close());

    it('gives the active span as a traceparent, and nothing outside a trace', () => {
      expect(currentTraceparent()).toBeUndefined();
      const span = trace.getTracer('t').startSpan('POST /api/orders', { kind: SpanKind.SERVER });
      const tp = context.with(trace.setSpan(context.active(), span), () => currentTraceparent());
      span.end();
      expect(tp).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    });

    it("publishes each message as a child of the trace stored with it, and suppresses the client's own spans", async () => {
      const seen: { headers: Record<string, string>[]; innerRecording: boolean } = { headers: [], innerRecording: true };
      const result = await publishTraced(
        'orders.v1',
        [{ traceparent: SAMPLED }, { traceparent: null }, { traceparent: UNSAMPLED }],
        async (h) => {
          seen.headers = [h(0), h(1), h(2)];
          seen.innerRecording = trace.getTracer('kafkajs').startSpan('send', { kind: SpanKind.SERVER }).isRecording();
          return 'acked';
        },
      );
      expect(result).toBe('acked');
      expect(seen.innerRecording).toBe(false);
      const [first, second, third] = seen.headers;
      expect(first?.['traceparent']).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
      expect(first?.['traceparent']).not.toBe(SAMPLED);
      expect(second).toEqual({});
      // An unsampled trace is still carried, unsampled, so the consumer does not record it either.
      expect(third?.['traceparent']).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
    });

    it('rethrows a failed send', async () => {
      await expect(
        publishTraced('orders.v1', [{ traceparent: SAMPLED }], async () => {
          throw new Error('broker down');
        }),
      ).rejects.toThrow('broker down');
    });
  });
});
