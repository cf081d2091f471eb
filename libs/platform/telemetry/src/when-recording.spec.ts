import { context, SpanKind, trace } from '@opentelemetry/api';
import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { contextFromTraceparent } from './trace-context';
import { Tracing } from './tracing';
import { carriesTrace } from './carries-trace';
import { guardInstrumentation, whenRecording } from './when-recording';

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** An instrumentation of a client whose `call` it wraps the way mysql2's and ioredis' are wrapped. */
class ProbeInstrumentation extends InstrumentationBase {
  readonly counts = { wrapped: 0, ended: 0 };
  constructor(config: InstrumentationConfig) {
    super('probe', '1.0.0', config);
  }
  protected init(): [] {
    return [];
  }
  patch(client: { call: Method }): void {
    const self = this.counts;
    const wrap = this._wrap;
    this._wrap(client, 'call', (original: Method) => {
      return function (this: unknown, ...args: unknown[]): unknown {
        self.wrapped++;
        // As mysql2's does: the call's callback is wrapped too, to end the span whenever it runs.
        if (typeof args[args.length - 1] === 'function')
          wrap(
            args as unknown as Record<string, Method>,
            String(args.length - 1),
            (cb: Method) =>
              function (this: unknown, ...a: unknown[]): unknown {
                self.ended++;
                return cb.apply(this, a);
              },
          );
        return original.apply(this, args);
      };
    });
  }
}

const UNSAMPLED = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';

describe('whenRecording', () => {
  let handle: ReturnType<typeof Tracing.start>;
  beforeAll(() => {
    handle = Tracing.start({ service: 'svc', instanceId: 'svc-1', sampleRatio: 1 });
  });
  afterAll(() => handle.close());

  function client(): { call: Method; probe: ProbeInstrumentation } {
    const probe = whenRecording(new ProbeInstrumentation({ enabled: false }), ['call']);
    const c = {
      call(this: unknown, ...args: unknown[]): unknown {
        return { self: this, args };
      },
    };
    probe.patch(c);
    return { call: c.call.bind(c), probe };
  }

  it('runs the instrumentation inside a sampled trace, with the same this and arguments', () => {
    const { call, probe } = client();
    const span = trace.getTracer('t').startSpan('POST /api/orders', { kind: SpanKind.SERVER });
    const out = context.with(trace.setSpan(context.active(), span), () => call(1, 'a')) as { args: unknown[] };
    span.end();
    expect(probe.counts.wrapped).toBe(1);
    expect(out.args).toEqual([1, 'a']);
  });

  it('wraps what the instrumentation wraps inside a call as it asks: a callback run outside the trace still ends the span', () => {
    const { call, probe } = client();
    let done = 0;
    const span = trace.getTracer('t').startSpan('POST /api/orders', { kind: SpanKind.SERVER });
    const cb = (context.with(trace.setSpan(context.active(), span), () => call(() => done++)) as { args: [() => void] }).args[0];
    span.end();
    cb(); // as a driver's socket would, outside the request's context
    expect([probe.counts.wrapped, probe.counts.ended, done]).toEqual([1, 1, 1]);
  });

  it('goes straight to the library outside a trace and inside an unsampled one', () => {
    const { call, probe } = client();
    expect((call(2) as { args: unknown[] }).args).toEqual([2]);
    context.with(contextFromTraceparent(UNSAMPLED), () => call(3));
    const span = trace.getTracer('t').startSpan('poll', { kind: SpanKind.CLIENT }); // a root that is not a request: not sampled
    expect(span.isRecording()).toBe(false);
    context.with(trace.setSpan(context.active(), span), () => call(4));
    expect(probe.counts.wrapped).toBe(0);
  });

  it('refuses an instrumentation that already patched without the guard', () => {
    expect(() => whenRecording(new ProbeInstrumentation({}), ['call'])).toThrow(/already enabled: construct it with \{ enabled: false \}/);
  });
});

describe('guardInstrumentation with carriesTrace (the Kafka consumer guard)', () => {
  const SAMPLED = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const eachMessage = (headers?: Record<string, unknown>): { message: { headers?: Record<string, unknown> } } => ({
    message: headers === undefined ? {} : { headers },
  });

  it('runs the instrumentation for a message with a traceparent header, and skips it for one without or with a malformed one', () => {
    const probe = guardInstrumentation(new ProbeInstrumentation({ enabled: false }), ['call'], carriesTrace);
    const c = { call: (...args: unknown[]): unknown => args.length };
    probe.patch(c);
    c.call(eachMessage({ traceparent: Buffer.from(SAMPLED) }));
    c.call(eachMessage({ traceparent: [Buffer.from(UNSAMPLED)] }));
    expect(probe.counts.wrapped).toBe(2);
    expect(c.call(eachMessage())).toBe(1);
    c.call(eachMessage({ 'x-attempt': Buffer.from('2') }));
    c.call(eachMessage({ traceparent: Buffer.from('not-a-trace') }));
    c.call(undefined);
    expect(probe.counts.wrapped).toBe(2);
  });
});
