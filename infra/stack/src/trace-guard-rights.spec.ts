import type { TraceIdentity } from '@dsp/contracts';
import { traceAuthorization } from '@dsp/contracts';
import { decide, identify, parseBasicAuth } from './trace-guard-rights';

const REPORTER: TraceIdentity = { user: 'gateway', password: 'gw-secret-0123456789', may: 'report' };
const READER: TraceIdentity = { user: 'dsp-operator', password: 'op-secret-0123456789', may: 'read' };
const IDS = [REPORTER, READER];
const basic = (raw: string): string => `Basic ${Buffer.from(raw).toString('base64')}`;

describe('the trace guard rights', () => {
  describe('when parsing basic credentials', () => {
    it('should read user and password, the password may hold colons', () => {
      expect(parseBasicAuth(basic('gateway:a:b'))).toEqual({ user: 'gateway', password: 'a:b' });
      expect(parseBasicAuth(`basic ${Buffer.from('u:p').toString('base64')}`)).toEqual({ user: 'u', password: 'p' });
    });

    it.each([
      ['no header', undefined],
      ['an empty header', ''],
      ['a bearer token', 'Bearer abc'],
      ['no colon', basic('gateway')],
      ['an empty user', basic(':pw')],
      ['not base64', 'Basic !!!'],
    ])('should call %s malformed', (_what, header) => {
      expect(parseBasicAuth(header)).toHaveProperty('malformed');
    });
  });

  describe('when identifying', () => {
    it('should find the identity only with both user and password right', () => {
      expect(identify('gateway', REPORTER.password, IDS)).toBe(REPORTER);
      expect(identify('dsp-operator', READER.password, IDS)).toBe(READER);
      expect(identify('gateway', READER.password, IDS)).toBeUndefined();
      expect(identify('nobody', REPORTER.password, IDS)).toBeUndefined();
      expect(identify('gateway', `${REPORTER.password}x`, IDS)).toBeUndefined();
      expect(identify('gateway', '', IDS)).toBeUndefined();
    });
  });

  describe('when a request has no valid credentials', () => {
    it.each([
      ['none', undefined],
      ['malformed ones', 'Basic nope'],
      ['a wrong password', basic('dsp-operator:guess')],
      ['an unknown user', basic(`stranger:${READER.password}`)],
    ])('should answer 401 to %s, with a reason', (_what, header) => {
      const d = decide('GET', '/api/v2/services', header, IDS);
      expect(d).toMatchObject({ allow: false, status: 401, error: 'unauthorized' });
      expect(d.allow === false && d.reason.length > 0).toBe(true);
    });
  });

  describe('when a reporter asks', () => {
    const auth = traceAuthorization(REPORTER);

    it('should let it POST /api/v2/spans (with or without a query)', () => {
      expect(decide('POST', '/api/v2/spans', auth, IDS)).toEqual({ allow: true, identity: REPORTER });
      expect(decide('post', '/api/v2/spans?x=1', auth, IDS)).toMatchObject({ allow: true });
    });

    it.each([
      ['GET', '/api/v2/services'],
      ['GET', '/api/v2/spans'],
      ['GET', '/zipkin/'],
      ['GET', '/health'],
      ['POST', '/api/v1/spans'],
      ['POST', '/api/v2/spans/'],
      ['POST', '/api/v2//spans'],
      ['POST', '/api/v2/spans/../traces'],
      ['PUT', '/api/v2/spans'],
      ['DELETE', '/api/v2/spans'],
    ])('should refuse %s %s with 403 naming it and the right it lacks', (method, url) => {
      const d = decide(method, url, auth, IDS);
      expect(d).toMatchObject({ allow: false, status: 403, error: 'forbidden' });
      expect(d.allow === false && d.reason).toContain('gateway');
    });

    it('should say it lacks the right to read when it reads', () => {
      const d = decide('GET', '/api/v2/traces', auth, IDS);
      expect(d.allow === false && d.reason).toMatch(/gateway lacks the right to read/);
    });
  });

  describe('when the reader asks', () => {
    const auth = traceAuthorization(READER);

    it.each([
      ['GET', '/api/v2/services'],
      ['GET', '/api/v2/traces?serviceName=gateway&limit=10'],
      ['HEAD', '/api/v2/services'],
      ['GET', '/zipkin/'],
      ['GET', '/zipkin/static/js/app.js'],
      ['GET', '/health'],
    ])('should let it %s %s', (method, url) => {
      expect(decide(method, url, auth, IDS)).toEqual({ allow: true, identity: READER });
    });

    it('should refuse to let it report spans, naming the report right', () => {
      const d = decide('POST', '/api/v2/spans', auth, IDS);
      expect(d).toMatchObject({ allow: false, status: 403 });
      expect(d.allow === false && d.reason).toMatch(/dsp-operator lacks the right to report/);
    });

    it.each([
      ['DELETE', '/api/v2/traces'],
      ['PUT', '/zipkin/'],
      ['OPTIONS', '/api/v2/services'],
    ])('should refuse %s %s (no identity may)', (method, url) => {
      expect(decide(method, url, auth, IDS)).toMatchObject({ allow: false, status: 403 });
    });
  });
});
