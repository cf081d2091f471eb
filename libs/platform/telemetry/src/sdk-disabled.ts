/**
 * True when OpenTelemetry's own switch `OTEL_SDK_DISABLED` is `true`: no
 * instrumentation is registered and `Tracing.start` records, propagates and
 * sends nothing (telemetry entirely off, the bench's floor).
 */
export function tracingDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase() === 'true';
}
