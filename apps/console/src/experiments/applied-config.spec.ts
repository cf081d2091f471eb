import type { PromSample } from '../probes/prometheus-client';
import { PrometheusAppliedConfig } from './applied-config';

describe('PrometheusAppliedConfig', () => {
  it("should join each instance's up and config_key_* gauges of one key, selected by service and key", async () => {
    const asked: string[] = [];
    const series: Record<string, PromSample[]> = {
      up: [
        { labels: { instance: 'us-a', service: 'user-service' }, value: 1 },
        { labels: { instance: 'us-b', service: 'user-service' }, value: 0 },
        { labels: { service: 'user-service' }, value: 1 },
      ],
      config_key_version: [{ labels: { instance: 'us-a' }, value: 7 }],
      config_key_applied_timestamp_seconds: [{ labels: { instance: 'us-a' }, value: 1_700_000_000.1234 }],
      config_key_value: [{ labels: { instance: 'us-a' }, value: 21 }],
    };
    const reader = new PrometheusAppliedConfig({
      query: async (expr: string) => {
        asked.push(expr);
        return series[expr.split('{')[0] ?? ''] ?? [];
      },
    });
    const got = await reader.read('user-service', 'ratelimit.register.ipAttempts');
    expect(asked).toEqual([
      'up{service="user-service"}',
      'config_key_version{service="user-service",key="ratelimit.register.ipAttempts"}',
      'config_key_applied_timestamp_seconds{service="user-service",key="ratelimit.register.ipAttempts"}',
      'config_key_value{service="user-service",key="ratelimit.register.ipAttempts"}',
    ]);
    // An instance that never read a written value has no version; a series without an instance label is skipped.
    expect([...got]).toEqual([
      ['us-a', { up: true, version: 7, appliedAtMs: 1_700_000_000_123, value: 21 }],
      ['us-b', { up: false, version: undefined, appliedAtMs: undefined, value: undefined }],
    ]);
  });
});
