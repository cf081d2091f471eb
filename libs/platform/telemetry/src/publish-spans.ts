import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { contextFromTraceparent, injectTraceContext } from './trace-context';

const TRACER = '@dsp/telemetry';

/** One message about to be published, with the trace it belongs to (the `traceparent` stored beside it). */
export interface TracedMessage {
  readonly traceparent: string | null | undefined;
}

/**
 * Publishes a batch of messages that were written earlier (an outbox's rows),
 * each as a child of the request that wrote it, not of whoever publishes it:
 * one PRODUCER span `publish <topic>` per message that carries a trace, its
 * context in that message's headers (`headersOf(i)` gets it), so the consumer
 * continues the same trace. The spans end when `send` settles, with an error
 * status if it failed. Inside `send` tracing is suppressed, so the Kafka
 * client's own instrumentation adds no span (it would make every message of
 * the batch a child of one publisher span).
 *
 * A message without a trace gets no span and no trace headers.
 */
export async function publishTraced<T>(
  topic: string,
  messages: readonly TracedMessage[],
  send: (headersOf: (i: number) => Record<string, string>) => Promise<T>,
): Promise<T> {
  const tracer = trace.getTracer(TRACER);
  const spans: (Span | undefined)[] = [];
  const headers: Record<string, string>[] = [];
  for (const m of messages) {
    const h: Record<string, string> = {};
    if (m.traceparent) {
      const parent = contextFromTraceparent(m.traceparent);
      const span = tracer.startSpan(
        `publish ${topic}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'send',
            'messaging.destination.name': topic,
            'messaging.batch.message_count': messages.length,
          },
        },
        parent,
      );
      spans.push(span);
      injectTraceContext(trace.setSpan(parent, span), h);
    } else spans.push(undefined);
    headers.push(h);
  }
  try {
    const result = await context.with(suppressTracing(context.active()), () => send((i) => headers[i] ?? {}));
    for (const s of spans) s?.end();
    return result;
  } catch (e) {
    for (const s of spans) {
      s?.recordException(e as Error);
      s?.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
      s?.end();
    }
    throw e;
  }
}
