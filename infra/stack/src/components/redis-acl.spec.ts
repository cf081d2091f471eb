import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REDIS_IDENTITIES, REDIS_SERVICE_COMMANDS } from '@dsp/contracts';
import { redisAclLines } from './redis.component';

describe('the Redis ACL file rendered from REDIS_IDENTITIES', () => {
  const lines = redisAclLines();

  it('should switch the default user off and passwordless, keeping the rights Redis 7.0 needs to replay the AOF', () => {
    expect(lines[0]).toBe('user default off resetpass ~* &* +@all');
  });

  it('should give each service exactly its key and channel patterns, a hashed password and no dangerous commands', () => {
    const order = lines.find((l) => l.startsWith('user order-service '));
    const sha = createHash('sha256').update(REDIS_IDENTITIES['order-service'].password).digest('hex');
    expect(order).toBe(
      `user order-service reset on #${sha} ~dsp:sess:* ~dsp:lock:* ~dsp:fs:* ~dsp:gate:* ~dsp:ticket:* &dsp:lock:*:released ${REDIS_SERVICE_COMMANDS}`,
    );
    const gateway = lines.find((l) => l.startsWith('user gateway ')) as string;
    expect(gateway).not.toContain('&');
    expect(gateway).not.toContain(REDIS_IDENTITIES.gateway.password);
    expect(REDIS_SERVICE_COMMANDS).toMatch(/-@dangerous/);
    expect(REDIS_SERVICE_COMMANDS.indexOf('-@dangerous')).toBeGreaterThan(REDIS_SERVICE_COMMANDS.indexOf('+@write'));
  });

  it('should give the operator everything', () => {
    expect(lines.find((l) => l.startsWith('user dsp-operator '))).toMatch(/ ~\* &\* \+@all$/);
  });

  it('should share no key space between services but the sessions', () => {
    const owners = new Map<string, string[]>();
    for (const [who, id] of Object.entries(REDIS_IDENTITIES)) {
      if (who === 'operator') continue;
      for (const k of id.keys) owners.set(k, [...(owners.get(k) ?? []), who]);
    }
    const shared = [...owners].filter(([, who]) => who.length > 1).map(([k]) => k);
    expect(shared).toEqual(['dsp:sess:*']);
  });

  it("should match docs/security.md's Redis table, row by row", () => {
    const doc = readFileSync(join(__dirname, '../../../../docs/security.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Redis'), doc.indexOf('\n## ', doc.indexOf('## Redis') + 1));
    for (const [who, id] of Object.entries(REDIS_IDENTITIES)) {
      if (who === 'operator') continue;
      const row = section.split('\n').find((l) => l.startsWith(`| ${who} `));
      const cells = row?.split('|').map((c) => c.trim());
      expect({ who, keys: cells?.[2], channels: cells?.[3] }).toEqual({
        who,
        keys: id.keys.map((k) => `\`${k}\``).join(', ') || 'none',
        channels: id.channels.map((c) => `\`${c}\``).join(', ') || 'none',
      });
    }
  });
});
