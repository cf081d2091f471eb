import type { IncomingHttpHeaders } from 'node:http';

/** A `traceparent` the W3C propagator can continue: version, 32-hex trace id, 16-hex parent id, flags. */
export const TRACEPARENT_PATTERN = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

export interface AdmissionPolicy {
  /** This process is an edge: its routes are public (the gateway), so requests arrive here with no trace yet. */
  edge: boolean;
  /** Fraction of those requests that start a trace, 0..1 (ignored when not an edge). */
  ratio: number;
}

/**
 * Which incoming requests the HTTP instrumentation handles at all (the rest
 * run with tracing suppressed, and cost no instrumentation):
 *
 * - a request carrying a well-formed `traceparent` is handled on any
 *   service, and its flag decides whether it is recorded;
 * - at an edge, a request without one starts a trace for `ratio` of them;
 * - any other request is not handled: it records nothing and sends no
 *   `traceparent` onward, so the next hop (not an edge: every route of it
 *   needs a service identity, so every caller is a hop of the platform) does
 *   not handle it either. A request nobody samples costs no span, no context
 *   and no wrapped emitter on any hop.
 *
 * The sampling decision is made once, where the request enters; before
 * {@link TraceAdmission.configure} (or after {@link TraceAdmission.reset})
 * only requests that carry a trace are handled.
 */
export class TraceAdmission {
  private static policy: AdmissionPolicy = { edge: false, ratio: 0 };

  static configure(policy: AdmissionPolicy): void {
    if (!(policy.ratio >= 0 && policy.ratio <= 1)) throw new RangeError(`the sample ratio must be within 0..1, got ${policy.ratio}`);
    TraceAdmission.policy = { ...policy };
  }

  static reset(): void {
    TraceAdmission.policy = { edge: false, ratio: 0 };
  }

  /** True when the HTTP instrumentation should handle a request with these headers. */
  static admits(headers: IncomingHttpHeaders, random: () => number = Math.random): boolean {
    const tp = headers['traceparent'];
    if (typeof tp === 'string' && TRACEPARENT_PATTERN.test(tp.trim())) return true;
    const { edge, ratio } = TraceAdmission.policy;
    return edge && ratio > 0 && random() < ratio;
  }
}
