import { context, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

const w3c = new W3CTraceContextPropagator();

/**
 * The active span's context as a W3C `traceparent` value
 * (`00-<trace id>-<span id>-<flags>`), or undefined outside a trace. What a
 * service stores beside work it hands on later (an outbox row), so the trace
 * continues where the work does.
 */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  if (trace.getSpanContext(context.active()) === undefined) return undefined;
  w3c.inject(context.active(), carrier, defaultTextMapSetter);
  return carrier['traceparent'];
}

/** The context a stored `traceparent` continues (ROOT_CONTEXT's when it is missing or malformed). */
export function contextFromTraceparent(traceparent: string | null | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return w3c.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter);
}

/** Writes a context's `traceparent` (and `tracestate`) into a header carrier. */
export function injectTraceContext(ctx: Context, headers: Record<string, string>): Record<string, string> {
  w3c.inject(ctx, headers, defaultTextMapSetter);
  return headers;
}
