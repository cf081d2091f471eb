import { isSpanContextValid, SpanKind, trace, TraceFlags, type Attributes, type Context, type Link } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-base';

/**
 * Decides which spans are recorded, the same way on every hop so a trace is
 * whole or absent:
 *
 * - a span with a parent (local, or remote from a `traceparent` header) is
 *   recorded exactly when its parent was sampled;
 * - a span without a parent starts a trace only if it is an incoming request
 *   (kind SERVER), and then for `ratio` of the trace ids (by the id, so the
 *   decision is reproducible);
 * - any other root (a background poll's query, a Redis call nobody traced) is
 *   not recorded: the relay's polling and the health probes would otherwise be
 *   most of the traces.
 */
export class EdgeSampler implements Sampler {
  private readonly byRatio: TraceIdRatioBasedSampler;

  constructor(readonly ratio: number) {
    if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`the sample ratio must be within 0..1, got ${ratio}`);
    this.byRatio = new TraceIdRatioBasedSampler(ratio);
  }

  shouldSample(ctx: Context, traceId: string, _name: string, kind: SpanKind, _attributes: Attributes, _links: Link[]): SamplingResult {
    const parent = trace.getSpanContext(ctx);
    if (parent !== undefined && isSpanContextValid(parent))
      return {
        decision:
          (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED
            ? SamplingDecision.RECORD_AND_SAMPLED
            : SamplingDecision.NOT_RECORD,
      };
    if (kind !== SpanKind.SERVER) return { decision: SamplingDecision.NOT_RECORD };
    return this.byRatio.shouldSample(ctx, traceId);
  }

  toString(): string {
    return `EdgeSampler{ratio=${this.ratio}}`;
  }
}
