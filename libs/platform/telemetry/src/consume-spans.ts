import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { TRACEPARENT_PATTERN } from './trace-admission';
import { contextFromTraceparent } from './trace-context';

const TRACER = '@dsp/telemetry';

/**
 * Handles one consumed message as the consumer side of {@link publishTraced}:
 * a message that carries a trace (a well-formed `traceparent` header) is
 * handled inside a CONSUMER span `process <topic>`, the child of the span that
 * published it, so whatever the handler does (its SQL, its Redis commands, a
 * message it sends on) belongs to the same trace; the span ends when the
 * handler settles, with an error status if it threw. A message without one
 * (its work was not sampled where it entered) is handled with no span and no
 * context, and starts no trace of its own.
 */
export async function consumeTraced<T>(topic: string, headers: Readonly<Record<string, string>>, handle: () => Promise<T>): Promise<T> {
  const traceparent = headers['traceparent']?.trim();
  if (traceparent === undefined || !TRACEPARENT_PATTERN.test(traceparent)) return handle();
  const parent = contextFromTraceparent(traceparent);
  const span = trace.getTracer(TRACER).startSpan(
    `process ${topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: { 'messaging.system': 'kafka', 'messaging.operation.type': 'process', 'messaging.destination.name': topic },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), handle);
  } catch (e) {
    span.recordException(e as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
    throw e;
  } finally {
    span.end();
  }
}
