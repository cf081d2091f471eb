import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { tracingDisabled } from './sdk-disabled';
import { TraceAdmission } from './trace-admission';
import { isUntracedPath } from './untraced-paths';
import { carriesTrace } from './carries-trace';
import { guardInstrumentation, whenRecording } from './when-recording';

/**
 * Side effects only: patches `http`, `mysql2`, `ioredis` and `kafkajs` so their
 * calls make spans once a {@link Tracing} provider is started. It must be the
 * first import of a service's `main.ts` (the libraries are patched when they
 * are first required; one required before this is not traced).
 *
 * Nothing is recorded or sent until `Tracing.start()`: without a provider the
 * patched calls use OpenTelemetry's no-op tracer. With `OTEL_SDK_DISABLED=true`
 * (OpenTelemetry's own switch) nothing is patched at all: the floor the bench
 * measures tracing's cost against.
 */
if (!tracingDisabled())
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes are not requests anyone wants to follow, and would be most of the traces;
        // a request not sampled where it entered is not traced on any hop (TraceAdmission).
        ignoreIncomingRequestHook: (req) => isUntracedPath(req.url ?? '') || !TraceAdmission.admits(req.headers),
        // A call nobody traced (a background health probe) starts no trace of its own.
        requireParentforOutgoingSpans: true,
      }),
      // Statements and commands are leaves: outside a sampled trace they skip the instrumentation entirely.
      whenRecording(new MySQL2Instrumentation({ enabled: false }), ['query', 'execute']),
      whenRecording(new IORedisInstrumentation({ enabled: false, requireParentSpan: true }), ['sendCommand']),
      // Producers as the library instruments them. A consumed message without a trace (not sampled where its work
      // entered) is handled with no span (carriesTrace); a batch handler never is: EventConsumer makes its own
      // span per message (consumeTraced), which the library's batch span would only wrap.
      guardInstrumentation(new KafkaJsInstrumentation({ enabled: false }), ['eachMessage', 'eachBatch'], carriesTrace),
    ],
  });
