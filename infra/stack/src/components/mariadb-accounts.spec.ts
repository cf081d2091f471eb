import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DB_USERS, serviceDbAccounts } from '@dsp/contracts';
import { MYSQL_INSTANCES } from '../topology';
import { provisioningSql } from './mariadb.component';

/** Every GRANT the provisioning runs on the cluster primaries, as `account -> "privileges ON target"`. */
function grants(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const primary of MYSQL_INSTANCES.filter((s) => s.role === 'primary')) {
    for (const m of provisioningSql(primary).matchAll(/GRANT (.+?) ON (\S+) TO '([^']+)'/g)) {
      out.set(m[3] as string, [...(out.get(m[3] as string) ?? []), `${m[1]} ON ${m[2]}`]);
    }
  }
  return out;
}

describe('MariaDB accounts', () => {
  it('should give each service account DML on its own schemas and nothing else', () => {
    const g = grants();
    expect(serviceDbAccounts().map((u) => u.name)).toEqual(expect.arrayContaining([DB_USERS.user.name, DB_USERS.order.name]));
    for (const u of serviceDbAccounts()) {
      expect((g.get(u.name) ?? []).sort()).toEqual(u.databases.map((d) => `SELECT, INSERT, UPDATE, DELETE ON \`${d}\`.*`).sort());
    }
  });

  it("should match docs/security.md's MariaDB table: one row per account, each service row naming its schemas", () => {
    const doc = readFileSync(join(__dirname, '../../../../docs/security.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## MariaDB'), doc.indexOf('\n## ', doc.indexOf('## MariaDB') + 1));
    const rows = new Map(
      [...section.matchAll(/^\| `([a-z_]+)`\s*\|(.*)\|$/gm)].map((m) => [m[1] as string, (m[2] as string).trim()] as const),
    );
    expect([...rows.keys()].sort()).toEqual(
      Object.values(DB_USERS)
        .map((u) => u.name)
        .sort(),
    );
    for (const u of serviceDbAccounts()) {
      for (const d of u.databases) expect(rows.get(u.name)).toContain(`\`${d}\``);
    }
  });
});
