import { trace } from '@opentelemetry/api';
import { consumeTraced } from './consume-spans';
import { Tracing } from './tracing';

const SAMPLED = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('consumeTraced', () => {
  let handle: ReturnType<typeof Tracing.start>;
  beforeAll(() => {
    handle = Tracing.start({ service: 'svc', instanceId: 'svc-1', sampleRatio: 1 });
  });
  afterAll(() => handle.close());

  it('handles a message that carries a trace inside a recording span of that trace', async () => {
    const seen = await consumeTraced('order.events', { traceparent: SAMPLED }, async () => trace.getActiveSpan()?.spanContext());
    expect(seen?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(seen?.spanId).not.toBe('b7ad6b7169203331');
  });

  it('handles a message without one, or with a malformed one, with no span at all', async () => {
    expect(await consumeTraced('order.events', {}, async () => trace.getActiveSpan())).toBeUndefined();
    expect(await consumeTraced('order.events', { traceparent: 'garbage' }, async () => trace.getActiveSpan())).toBeUndefined();
  });

  it("hands back the handler's error", async () => {
    await expect(
      consumeTraced('order.events', { traceparent: SAMPLED }, async () => {
        throw new Error('projector down');
      }),
    ).rejects.toThrow('projector down');
  });
});
