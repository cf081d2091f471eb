import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HTTP_RIGHTS, httpAllowed, pathUnder } from './http-identities';

describe('HTTP_RIGHTS', () => {
  it('should let order-service only read users through /internal/users/<id> on user-service', () => {
    expect(httpAllowed('user-service', 'order-service', 'GET', '/internal/users/7')).toBe(true);
    expect(httpAllowed('user-service', 'order-service', 'POST', '/internal/users/7')).toBe(false);
    expect(httpAllowed('user-service', 'order-service', 'POST', '/api/sessions')).toBe(false);
    expect(httpAllowed('user-service', 'order-service', 'GET', '/internal/config')).toBe(false);
  });

  it('should let the gateway forward the API and config admin, and not look users up internally', () => {
    expect(httpAllowed('user-service', 'gateway', 'POST', '/api/sessions')).toBe(true);
    expect(httpAllowed('order-service', 'gateway', 'PUT', '/internal/config/intake.ratePerSecond')).toBe(true);
    expect(httpAllowed('user-service', 'gateway', 'GET', '/internal/users/7')).toBe(false);
    expect(httpAllowed('gateway', 'order-service', 'GET', '/internal/config')).toBe(false);
  });

  it('should give a service that is not in the table no rights, and no service any right on itself but the gateway', () => {
    expect(httpAllowed('Not_In_The_Table', 'gateway', 'GET', '/api/x')).toBe(false); // not kebab-case: no generated service has this name
    for (const [callee, rights] of Object.entries(HTTP_RIGHTS))
      for (const r of rights) if (r.caller === callee) expect(callee).toBe('gateway');
  });

  it('should match whole path segments', () => {
    expect(pathUnder('/internal/config', '/internal/config')).toBe(true);
    expect(pathUnder('/internal/config/a/gray', '/internal/config')).toBe(true);
    expect(pathUnder('/internal/configs', '/internal/config')).toBe(false);
    expect(pathUnder('/api', '/api/')).toBe(false);
  });
});

describe("docs/security.md's service-to-service table", () => {
  it('should have one row per callee and caller, naming each path the caller may call', () => {
    const doc = readFileSync(join(__dirname, '../../../docs/security.md'), 'utf8');
    const start = doc.indexOf('## Service-to-service HTTP');
    const section = doc.slice(start, doc.indexOf('\n## ', start + 1));
    for (const [callee, rights] of Object.entries(HTTP_RIGHTS))
      for (const caller of new Set(rights.map((r) => r.caller))) {
        const row = section.split('\n').find((l) => l.startsWith(`| ${callee} `) && l.split('|')[2]?.trim() === caller) ?? '';
        for (const r of rights.filter((x) => x.caller === caller))
          expect({ callee, caller, path: r.pathPrefix, named: row.includes(r.pathPrefix) }).toEqual({
            callee,
            caller,
            path: r.pathPrefix,
            named: true,
          });
      }
  });
});
