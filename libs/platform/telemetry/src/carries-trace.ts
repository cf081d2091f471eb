import { TRACEPARENT_PATTERN } from './trace-admission';

/** What kafkajs hands `eachMessage`: the message, whose header values are Buffers (or strings, or arrays of them). */
interface EachMessageArgs {
  message?: { headers?: Record<string, unknown> };
}

/**
 * True when the message `eachMessage` is about to handle carries a trace (a
 * well-formed `traceparent` header), the Kafka side of {@link TraceAdmission}:
 * a producer of the platform writes trace headers only into a message that
 * belongs to a sampled trace (`publishTraced`), so a message without one was
 * not sampled where its work entered, and its consumer handles it with no
 * span and no context, instead of starting a trace of its own (a root span
 * the sampler would record one time in ten). An `eachBatch` call (no
 * `message`) is never traced by the library: `EventConsumer` traces each
 * message of a batch itself (`consumeTraced`).
 */
export function carriesTrace(args: readonly unknown[]): boolean {
  const raw = (args[0] as EachMessageArgs | undefined)?.message?.headers?.['traceparent'];
  const value = Array.isArray(raw) ? (raw[0] as unknown) : raw;
  if (value === undefined || value === null) return false;
  return TRACEPARENT_PATTERN.test(String(value).trim());
}
