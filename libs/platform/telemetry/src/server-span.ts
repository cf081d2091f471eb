import { context, trace } from '@opentelemetry/api';

/**
 * Names the active incoming-request span after its route (`POST /api/orders/:id`),
 * as Zipkin shows it, and records `http.route`. The HTTP instrumentation only
 * knows the method; the router knows the route.
 */
export function nameServerSpan(method: string, route: string): void {
  const span = trace.getSpan(context.active());
  if (span === undefined || !span.isRecording()) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute('http.route', route);
}

/** The active trace's id (what to search Zipkin for), or undefined outside a trace. */
export function activeTraceId(): string | undefined {
  const sc = trace.getSpanContext(context.active());
  return sc === undefined ? undefined : sc.traceId;
}
