import { z } from 'zod';
import { ConfigError } from './config-error';
import { hostPort, hostPortList } from './env-schema';
import { loadConfig } from './load-config';

const schema = z.object({
  DB_PRIMARY: hostPort().default('127.0.0.1:3307'),
  BROKERS: hostPortList().default(['127.0.0.1:9092']),
  DB_PASSWORD: z.string().min(1).default('local-only'),
});

function load(env: Record<string, string>) {
  return loadConfig({ service: 'svc', schema, secrets: ['DB_PASSWORD'], env });
}

function issuesOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => i.variable);
    throw e;
  }
  return [];
}

describe('loadConfig', () => {
  describe('when nothing is set', () => {
    it('should apply every default, including the base ones', () => {
      const c = load({});
      expect(c).toMatchObject({
        PORT: 0,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        PLATFORM_PROFILE: 'local',
        ZONE: 'local',
        DB_PRIMARY: '127.0.0.1:3307',
        BROKERS: ['127.0.0.1:9092'],
        SERVICE_NAME: 'svc',
        TRACING_SAMPLE_RATIO: 0.1,
        TRACING_URL: 'http://127.0.0.1:9411',
      });
      expect(c.INSTANCE_ID).toMatch(/^svc-.+-\d+$/);
    });
  });

  describe('when values are given', () => {
    it('should coerce numbers and split lists', () => {
      const c = load({ PORT: '8081', BROKERS: 'a:1, b:2', SHUTDOWN_TIMEOUT_MS: '500' });
      expect(c.PORT).toBe(8081);
      expect(c.BROKERS).toEqual(['a:1', 'b:2']);
      expect(c.SHUTDOWN_TIMEOUT_MS).toBe(500);
    });

    it('should treat an empty string as unset', () => {
      expect(load({ DB_PRIMARY: '' }).DB_PRIMARY).toBe('127.0.0.1:3307');
    });
  });

  describe('when values are wrong', () => {
    it('should name every bad variable with the value it got', () => {
      let err: unknown;
      try {
        load({ PORT: 'eighty', DB_PRIMARY: 'nohost', LOG_LEVEL: 'loud', BROKERS: 'x' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as ConfigError).message;
      expect(msg).toContain('invalid configuration for svc');
      expect(msg).toMatch(/PORT: .*got "eighty"/);
      expect(msg).toMatch(/DB_PRIMARY: expected host:port.*got "nohost"/);
      expect(msg).toMatch(/LOG_LEVEL: .*got "loud"/);
      expect(msg).toMatch(/BROKERS: .*got "x"/);
    });

    it.each([
      [{ PORT: '65536' }, ['PORT']],
      [{ PORT: '-1' }, ['PORT']],
      [{ READINESS_TIMEOUT_MS: '0' }, ['READINESS_TIMEOUT_MS']],
      [{ INSTANCE_ID: 'has space' }, ['INSTANCE_ID']],
      [{ PLATFORM_PROFILE: 'staging' }, ['PLATFORM_PROFILE']],
      [{ TRACING_SAMPLE_RATIO: '1.5' }, ['TRACING_SAMPLE_RATIO']],
      [{ TRACING_SAMPLE_RATIO: 'all' }, ['TRACING_SAMPLE_RATIO']],
      [{ TRACING_URL: 'zipkin:9411' }, ['TRACING_URL']],
    ])('%j should be rejected naming %j', (env, vars) => {
      expect(issuesOf(env)).toEqual(vars);
    });
  });

  describe('when PLATFORM_PROFILE=production', () => {
    it("should demand every secret explicitly, the service's HTTP signing key and trusted keys included", () => {
      expect(issuesOf({ PLATFORM_PROFILE: 'production' })).toEqual([
        'HTTP_PRIVATE_KEY',
        'HTTP_PUBLIC_KEYS',
        'METRICS_PASSWORD',
        'DB_PASSWORD',
        'TRACING_PASSWORD',
      ]);
    });

    it("should demand the trace store's password unless tracing is off", () => {
      const secrets = {
        PLATFORM_PROFILE: 'production',
        DB_PASSWORD: 's',
        HTTP_PRIVATE_KEY: 'k',
        HTTP_PUBLIC_KEYS: '{"svc":["k"]}',
        METRICS_PASSWORD: 'm',
      };
      expect(issuesOf(secrets)).toEqual(['TRACING_PASSWORD']);
      expect(issuesOf({ ...secrets, TRACING_URL: 'off' })).toEqual([]);
      expect(issuesOf({ ...secrets, OTEL_SDK_DISABLED: 'true' })).toEqual([]);
      expect(load({ ...secrets, TRACING_PASSWORD: 'p' }).TRACING_PASSWORD).toBe('p');
    });

    it('should accept an explicit secret', () => {
      expect(
        load({
          PLATFORM_PROFILE: 'production',
          DB_PASSWORD: 's3cret',
          HTTP_PRIVATE_KEY: 'k',
          HTTP_PUBLIC_KEYS: '{"svc":["k"]}',
          METRICS_PASSWORD: 'm',
          TRACING_PASSWORD: 't',
        }).DB_PASSWORD,
      ).toBe('s3cret');
    });

    it("should report a missing secret without evaluating its local default (the local stack's seed is never read)", () => {
      const derive = jest.fn((): string => {
        throw new Error('derived a local secret');
      });
      const lazy = z.object({ DB_PASSWORD: z.string().min(1).default(derive) });
      const run = (env: Record<string, string>) => () => loadConfig({ service: 'svc', schema: lazy, secrets: ['DB_PASSWORD'], env });
      expect(run({ PLATFORM_PROFILE: 'production' })).toThrow(ConfigError);
      expect(run({ PLATFORM_PROFILE: 'production' })).toThrow(/DB_PASSWORD: must be set explicitly/);
      expect(run({ PLATFORM_PROFILE: 'Production' })).toThrow(/PLATFORM_PROFILE/);
      expect(derive).not.toHaveBeenCalled();
      expect(run({})).toThrow('derived a local secret');
    });
  });
});

describe('ADVERTISE_HOST', () => {
  it('should be required when HOST is a wildcard, and default to HOST otherwise', () => {
    expect(issuesOf({ HOST: '0.0.0.0' })).toEqual(['ADVERTISE_HOST']);
    expect(load({ HOST: '0.0.0.0', ADVERTISE_HOST: 'user-service-1' }).ADVERTISE_HOST).toBe('user-service-1');
    expect(load({}).ADVERTISE_HOST).toBeUndefined();
  });
});

describe('HTTP_PUBLIC_KEYS', () => {
  const schema = z.object({});
  it('should parse the JSON map of trusted keys and refuse anything else, naming the shape', () => {
    const ok = loadConfig({ service: 'svc', schema, env: { HTTP_PUBLIC_KEYS: '{"gateway":["a","b"]}' } });
    expect(ok.HTTP_PUBLIC_KEYS).toEqual({ gateway: ['a', 'b'] });
    expect(() => loadConfig({ service: 'svc', schema, env: { HTTP_PUBLIC_KEYS: '{"gateway":"a"}' } })).toThrow(
      /HTTP_PUBLIC_KEYS: expected JSON/,
    );
    expect(() => loadConfig({ service: 'svc', schema, env: { HTTP_PUBLIC_KEYS: 'not json' } })).toThrow(/HTTP_PUBLIC_KEYS: expected JSON/);
  });
});
