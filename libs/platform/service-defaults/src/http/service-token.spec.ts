import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { HTTP_IDENTITIES } from '@dsp/contracts';
import { ServiceTokenSigner, ServiceTokenVerifier } from './service-token';

function pair(): { pub: string; priv: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    pub: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    priv: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
  };
}

describe('service tokens', () => {
  const gw = pair();
  const os = pair();
  const keys = { gateway: [gw.pub], 'order-service': [os.pub] };
  const START = 1_800_000_000_000;
  let now = START;
  const clock = () => now;
  beforeEach(() => {
    now = START; // each test starts at the same instant, whatever ran before
  });
  const verifier = () => new ServiceTokenVerifier('user-service', keys, 5, 1024, clock);

  it("should accept a token signed by its issuer's key, for this service, within its lifetime", () => {
    const token = new ServiceTokenSigner('gateway', gw.priv, 60, clock).tokenFor('user-service');
    expect(verifier().verify(token)).toMatchObject({ iss: 'gateway', aud: 'user-service' });
  });

  it('should reuse a token until half its lifetime is left, then sign a new one', () => {
    const signer = new ServiceTokenSigner('gateway', gw.priv, 60, clock);
    const first = signer.tokenFor('user-service');
    now += 29_000;
    expect(signer.tokenFor('user-service')).toBe(first);
    now += 2_000;
    expect(signer.tokenFor('user-service')).not.toBe(first);
  });

  it('should refuse a missing, malformed or tampered token', () => {
    const v = verifier();
    expect(() => v.verify(undefined)).toThrow('a service token is required');
    expect(() => v.verify('Bearer abc')).toThrow('malformed');
    expect(() => v.verify('v1.!!!.x')).toThrow('malformed');
    const token = new ServiceTokenSigner('gateway', gw.priv, 60, clock).tokenFor('user-service');
    const [, body, sig] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, exp: (claims['exp'] as number) + 100 })).toString('base64url');
    expect(() => v.verify(`v1.${forged}.${sig}`)).toThrow('not signed by gateway');
  });

  it('should refuse a token that claims a lifetime over 300 s, and a second spelling of a signature', () => {
    expect(() => new ServiceTokenSigner('gateway', gw.priv, 3600, clock)).toThrow('at most 300 s');
    const iat = Math.floor(now / 1000);
    const body = `v1.${Buffer.from(JSON.stringify({ iss: 'gateway', aud: 'user-service', iat, exp: iat + 3600 })).toString('base64url')}`;
    const key = createPrivateKey({ key: Buffer.from(gw.priv, 'base64'), format: 'der', type: 'pkcs8' });
    const long = `${body}.${sign(null, Buffer.from(body), key).toString('base64url')}`;
    expect(() => verifier().verify(long)).toThrow('longer than 300 s');
    const token = new ServiceTokenSigner('gateway', gw.priv, 60, clock).tokenFor('user-service');
    expect(() => verifier().verify(`${token}=`)).toThrow('malformed');
    expect(() => verifier().verify(`${token}!`)).toThrow('malformed');
  });

  it("should refuse a token that names an issuer whose key did not sign it (order-service's key, gateway's name)", () => {
    const lying = new ServiceTokenSigner('gateway', os.priv, 60, clock).tokenFor('user-service');
    expect(() => verifier().verify(lying)).toThrow('not signed by gateway');
    expect(() => verifier().verify(new ServiceTokenSigner('intruder', os.priv, 60, clock).tokenFor('user-service'))).toThrow(
      'unknown issuer "intruder"',
    );
  });

  it('should refuse a token for another service, and an expired one, also once it was cached', () => {
    const signer = new ServiceTokenSigner('gateway', gw.priv, 60, clock);
    expect(() => verifier().verify(signer.tokenFor('order-service'))).toThrow('is for order-service, not user-service');
    const v = verifier();
    const token = signer.tokenFor('user-service');
    v.verify(token);
    now += 66_000;
    expect(() => v.verify(token)).toThrow('expired');
    expect(() => verifier().verify(token)).toThrow('expired');
  });

  it("should ship a key pair per service whose public half verifies its private half's tokens", () => {
    for (const [name, id] of Object.entries(HTTP_IDENTITIES)) {
      const token = new ServiceTokenSigner(name, id.privateKey, 60, clock).tokenFor('user-service');
      expect(new ServiceTokenVerifier('user-service', { [name]: id.publicKeys }, 5, 1024, clock).verify(token).iss).toBe(name);
    }
  });
});
