import { randomBytes } from 'node:crypto';
import { SERVICE_NAMES, TRACE_IDENTITIES, traceAuthorization, ZIPKIN_PORT } from '@dsp/contracts';
import { eventually } from '@dsp/testing';

const ZIPKIN = `http://127.0.0.1:${process.env['STACK_ZIPKIN_PORT'] ?? ZIPKIN_PORT}`;
const N = Number(process.env['ATTACK_REPEATS'] ?? 3);

const basic = (user: string, password: string): Record<string, string> => ({ authorization: traceAuthorization({ user, password }) });
const as = (who: keyof typeof TRACE_IDENTITIES): Record<string, string> =>
  basic(TRACE_IDENTITIES[who].user, TRACE_IDENTITIES[who].password);

/** One Zipkin v2 span of a fresh trace, as a service's exporter sends it. */
function spanOf(traceId: string, serviceName: string): string {
  const now = Date.now() * 1000;
  return JSON.stringify([
    { traceId, id: randomBytes(8).toString('hex'), name: 'forged', timestamp: now, duration: 10, localEndpoint: { serviceName } },
  ]);
}

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  const res = await fetch(`${ZIPKIN}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

async function traceStatus(traceId: string): Promise<number> {
  return (await call('GET', `/api/v2/trace/${traceId}`, as('operator'))).status;
}

/**
 * The trace store trusts nobody it cannot identify (ADR 0021): Zipkin has no
 * authentication, so it listens only inside a network namespace of its own and
 * the trace guard is its one door. Each attack N times (ATTACK_REPEATS): no
 * credentials and a wrong password are 401 and store nothing; a service
 * reports spans but cannot read anyone's traces, nor call anything else; the
 * operator reads but cannot write spans. Beside each refusal the rightful
 * identity succeeds.
 */
describe('the trace guard in front of Zipkin (real Zipkin, real guard)', () => {
  it('should refuse a request without credentials, or with a wrong password, and store nothing it sent', async () => {
    for (let i = 0; i < N; i++) {
      const traceId = randomBytes(16).toString('hex');
      const anonymous = await call('POST', '/api/v2/spans', {}, spanOf(traceId, 'intruder'));
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="zipkin"/);
      expect(JSON.parse(anonymous.text)).toMatchObject({ reason: expect.any(String) });
      const wrong = await call(
        'POST',
        '/api/v2/spans',
        basic(TRACE_IDENTITIES[SERVICE_NAMES.gateway].user, 'guessed'),
        spanOf(traceId, 'intruder'),
      );
      expect(wrong.status).toBe(401);
      expect((await call('GET', '/api/v2/services')).status).toBe(401);
      // The rightful reporter's span is stored; the refused ones never were (same trace id).
      expect((await call('POST', '/api/v2/spans', as(SERVICE_NAMES.gateway), spanOf(traceId, 'gateway'))).status).toBe(202);
      const stored = await eventually(async () => {
        const res = await call('GET', `/api/v2/trace/${traceId}`, as('operator'));
        if (res.status !== 200) throw new Error(`trace ${traceId} not stored yet (${res.status})`);
        return JSON.parse(res.text) as { localEndpoint: { serviceName: string } }[];
      });
      expect(stored.map((s) => s.localEndpoint.serviceName)).toEqual(['gateway']);
    }
  });

  it("should let a service report spans but not read anyone's traces or call another path", async () => {
    for (let i = 0; i < N; i++) {
      for (const svc of [SERVICE_NAMES.gateway, SERVICE_NAMES.user, SERVICE_NAMES.order]) {
        for (const path of [
          '/api/v2/services',
          '/api/v2/traces?limit=10',
          `/api/v2/trace/${randomBytes(16).toString('hex')}`,
          '/zipkin/',
        ]) {
          const res = await call('GET', path, as(svc));
          expect({ svc, path, status: res.status }).toEqual({ svc, path, status: 403 });
          expect(JSON.parse(res.text)).toMatchObject({ reason: expect.stringContaining(TRACE_IDENTITIES[svc].user) });
        }
        expect((await call('POST', '/api/v1/spans', as(svc), '[]')).status).toBe(403);
        expect((await call('DELETE', '/api/v2/spans', as(svc))).status).toBe(403);
      }
      expect((await call('GET', '/api/v2/services', as('operator'))).status).toBe(200);
    }
  });

  it('should let the operator read but not write spans', async () => {
    const traceId = randomBytes(16).toString('hex');
    expect((await call('POST', '/api/v2/spans', as('operator'), spanOf(traceId, 'operator'))).status).toBe(403);
    expect((await call('GET', '/health', as('operator'))).status).toBe(200);
    // A rightful span sent after it is stored; the operator's, sent first, never was (Zipkin: 404).
    const later = randomBytes(16).toString('hex');
    expect((await call('POST', '/api/v2/spans', as(SERVICE_NAMES.order), spanOf(later, 'order-service'))).status).toBe(202);
    await eventually(async () => expect(await traceStatus(later)).toBe(200));
    expect(await traceStatus(traceId)).toBe(404);
  });
});
