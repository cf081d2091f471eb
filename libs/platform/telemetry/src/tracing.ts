import { context, diag, propagation, trace, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { EdgeSampler } from './edge-sampler';
import { tracingDisabled } from './sdk-disabled';
import { TraceAdmission } from './trace-admission';

export interface TracingOptions {
  /** `service.name` of every span (Zipkin's service). */
  service: string;
  /** `service.instance.id` of every span. */
  instanceId: string;
  /** Fraction of new traces recorded, 0..1, decided where a request enters (a trace started elsewhere follows its parent's decision). */
  sampleRatio: number;
  /**
   * This service is an edge: its routes are public (the gateway), so requests
   * without a `traceparent` start traces here, `sampleRatio` of them. Elsewhere
   * every route needs a service identity, every request comes from a hop that
   * already decided, and one without a `traceparent` is one it did not sample
   * ({@link TraceAdmission}). @default false
   */
  edge?: boolean;
  /**
   * Base URL of the trace store (Zipkin's API: spans go to `<url>/api/v2/spans`),
   * or `undefined`: nothing is exported, but trace context is still created and
   * carried (so the next hop can record it).
   */
  url?: string;
  /** The `Authorization` header of every export (the trace guard's HTTP basic credentials). */
  authorization?: string;
  /** Spans buffered before new ones are dropped. @default 4096 */
  maxQueueSize?: number;
  /** Longest wait between two exports, in ms. @default 2000 */
  exportDelayMs?: number;
  /** Where OpenTelemetry's own warnings (a failed export) go. @default silent */
  diagnostics?: DiagLogger;
  /** Telemetry entirely off: no provider, nothing recorded or propagated. @default `OTEL_SDK_DISABLED=true` */
  disabled?: boolean;
}

/** What `Tracing.start` returns: the only way to flush or stop what it started. */
export interface TracingHandle {
  /** True when this handle owns the process's tracer provider (false: another start came first; its settings hold). */
  readonly owner: boolean;
  /** True when spans are exported (a trace store URL was given). */
  readonly exporting: boolean;
  /** Sends every finished span now. */
  flush(): Promise<void>;
  /** Flushes, then stops recording (the owner only; others resolve). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The process's tracing: one tracer provider with the {@link EdgeSampler},
 * W3C trace context propagation (`traceparent` / `tracestate`) and, when a
 * trace store is configured, a batching Zipkin exporter.
 *
 * Guarantees:
 * - once started, every span the instrumentations (`@dsp/telemetry/register`)
 *   or the platform make is a span of this service and instance, and every
 *   outgoing HTTP request and Kafka message carries its context;
 * - export is off the request path: spans are batched and sent every
 *   `exportDelayMs` (or when 512 wait); a trace store that is down or slow
 *   loses spans (at most `maxQueueSize` are kept), never delays or fails a
 *   request;
 * - the provider is process-wide: the first `start` owns it, a second one
 *   (two services in one test process) gets a handle that does nothing, and
 *   its spans carry the first one's service name;
 * - `close` flushes the spans that finished, then stops; twice is safe, and a
 *   later `start` starts afresh;
 * - a request is sampled once, where it enters (`edge`), and an unsampled one
 *   is carried by nobody: it sends no `traceparent`, and the next hop runs it
 *   untraced ({@link TraceAdmission});
 * - with `disabled` (`OTEL_SDK_DISABLED=true`) nothing is started: no span, no
 *   `traceparent` sent.
 */
export class Tracing {
  private static active: Tracing | undefined;

  private closing: Promise<void> | undefined;

  private constructor(
    private readonly provider: NodeTracerProvider,
    readonly exporting: boolean,
  ) {}

  static start(opts: TracingOptions): TracingHandle {
    if (opts.disabled ?? tracingDisabled())
      return { owner: false, exporting: false, flush: async () => undefined, close: async () => undefined };
    const running = Tracing.active;
    if (running !== undefined)
      return { owner: false, exporting: running.exporting, flush: () => running.provider.forceFlush(), close: async () => undefined };
    if (opts.diagnostics) diag.setLogger(opts.diagnostics, DiagLogLevel.WARN);
    const spanProcessors: SpanProcessor[] = [];
    if (opts.url !== undefined) {
      const exporter = new ZipkinExporter({
        url: `${opts.url.replace(/\/+$/, '')}/api/v2/spans`,
        serviceName: opts.service,
        headers: opts.authorization === undefined ? undefined : { Authorization: opts.authorization },
      });
      spanProcessors.push(
        new BatchSpanProcessor(exporter, {
          maxQueueSize: opts.maxQueueSize ?? 4096,
          maxExportBatchSize: 512,
          scheduledDelayMillis: opts.exportDelayMs ?? 2000,
          exportTimeoutMillis: 10_000,
        }),
      );
    }
    const edge = opts.edge ?? false;
    TraceAdmission.configure({ edge, ratio: opts.sampleRatio });
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': opts.service, 'service.instance.id': opts.instanceId }),
      // At an edge the ratio was applied when the request was admitted: what reaches the sampler as a new trace is recorded.
      sampler: new EdgeSampler(edge ? 1 : opts.sampleRatio),
      spanProcessors,
    });
    provider.register({ propagator: new W3CTraceContextPropagator() });
    const t = new Tracing(provider, spanProcessors.length > 0);
    Tracing.active = t;
    return { owner: true, exporting: t.exporting, flush: () => provider.forceFlush(), close: () => t.close() };
  }

  private close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.provider.shutdown();
      } finally {
        trace.disable();
        propagation.disable();
        context.disable();
        TraceAdmission.reset();
        if (Tracing.active === this) Tracing.active = undefined;
      }
    })();
    return this.closing;
  }
}
