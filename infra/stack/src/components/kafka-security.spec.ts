import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA_GROUPS, KAFKA_IDENTITIES } from '@dsp/contracts';
import { KAFKA_NODES, type KafkaNodeSpec } from '../topology';
import { serverProperties } from './kafka.component';

describe('the Kafka nodes rendered from KAFKA_IDENTITIES', () => {
  const props = Object.fromEntries(
    serverProperties(KAFKA_NODES[0] as KafkaNodeSpec)
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

  it('should listen only with SASL, SCRAM for clients and brokers, PLAIN between controllers', () => {
    expect(props['listener.security.protocol.map']).toBe('BROKER:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT');
    expect(props['listeners']).not.toMatch(/PLAINTEXT:\/\//);
    expect(props['listener.name.broker.sasl.enabled.mechanisms']).toBe('SCRAM-SHA-512');
    expect(props['sasl.mechanism.controller.protocol']).toBe('PLAIN');
  });

  it('should deny whatever no ACL allows, with only the broker and the operator as super users', () => {
    expect(props['authorizer.class.name']).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(props['allow.everyone.if.no.acl.found']).toBe('false');
    expect(props['super.users']).toBe(`User:broker;User:${KAFKA_IDENTITIES.operator.user}`);
  });

  it("should match docs/security.md's Kafka table: each service's row names its groups and the topics it writes", () => {
    const doc = readFileSync(join(__dirname, '../../../../docs/security.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Kafka'), doc.indexOf('\n## ', doc.indexOf('## Kafka') + 1));
    for (const [who, id] of Object.entries(KAFKA_IDENTITIES)) {
      if (who === 'operator') continue;
      const row = section.split('\n').find((l) => l.startsWith(`| ${who} `)) ?? '';
      for (const t of [...id.produces, ...id.groups.flatMap((g) => g.topics)])
        expect({ who, t, named: row.includes(`\`${t}\``) }).toEqual({ who, t, named: true });
      for (const g of id.groups)
        expect({ who, g: g.groupId, named: row.includes(`\`${g.groupId}\``) }).toEqual({ who, g: g.groupId, named: true });
    }
    const groups = Object.values(KAFKA_GROUPS).map((g) => g.groupId);
    expect(groups.filter((g) => !section.includes(`\`${g}\``))).toEqual([]);
  });
});
