import { context, trace } from '@opentelemetry/api';
import type { InstrumentationBase } from '@opentelemetry/instrumentation';

type Method = (this: unknown, ...args: unknown[]) => unknown;
type Wrap = (target: object, name: string, wrapper: (original: Method) => Method) => void;

/** True when the active span records (its trace was sampled). */
function recording(): boolean {
  return trace.getSpan(context.active())?.isRecording() === true;
}

/**
 * Makes a client instrumentation whose spans are always leaves (a SQL
 * statement, a Redis command) step aside unless the active span records: a
 * patched call made outside a sampled trace goes straight to the library's own
 * method, with none of the instrumentation's work (the statement formatted
 * with its values, the attributes, a non-recording span and its context).
 *
 * Guarantees:
 * - what is recorded does not change: the {@link EdgeSampler} records such a
 *   span exactly when its parent records, and a leaf carries no context to
 *   anyone, so a call it skips would have made a span nobody sees;
 * - a call inside a sampled trace gets the instrumentation's full wrapper;
 * - only `methods` (the library methods the instrumentation patches) are
  guarded; whatever else it wraps (a call's callback, to end its span) is
 *   wrapped as it asks;
 * - the instrumentation is enabled by this function, after its patching goes
 *   through the guard (construct it with `enabled: false`).
 *
 * Not for instrumentations that carry context onward (HTTP, Kafka): they are
 * guarded where the trace enters instead ({@link TraceAdmission} for HTTP,
 * {@link carriesTrace} for a consumed Kafka message).
 */
export function whenRecording<T extends InstrumentationBase>(instrumentation: T, methods: readonly string[]): T {
  return guardInstrumentation(instrumentation, methods, recording);
}

/**
 * The guard behind {@link whenRecording}, with the test given: each call of
 * one of `methods` gets the instrumentation's wrapper when `traces(args)` is
 * true, and goes straight to the original otherwise. Construct the
 * instrumentation with `enabled: false`; this enables it.
 */
export function guardInstrumentation<T extends InstrumentationBase>(
  instrumentation: T,
  methods: readonly string[],
  traces: (args: readonly unknown[]) => boolean,
): T {
  if (instrumentation.getConfig().enabled !== false)
    throw new Error(`${instrumentation.instrumentationName} is already enabled: construct it with { enabled: false }`);
  const patcher = instrumentation as unknown as { _wrap: Wrap };
  const wrap = patcher._wrap;
  // Only the library's own methods: an instrumentation also wraps a call's callback (to end its span), which must run.
  patcher._wrap = (target, name, wrapper) =>
    !methods.includes(name)
      ? wrap(target, name, wrapper)
      : wrap(target, name, (original) => {
          const traced = wrapper(original);
          return function (this: unknown, ...args: unknown[]): unknown {
            return traces(args) ? traced.apply(this, args) : original.apply(this, args);
          };
        });
  instrumentation.enable();
  return instrumentation;
}
