import { allKafkaAcls, allTopics, KAFKA_GROUPS, KAFKA_IDENTITIES, KAFKA_SUPER_USERS, kafkaAcls } from './kafka-identities';
import { TOPICS } from './topics';

describe('KAFKA_IDENTITIES', () => {
  const acls = allKafkaAcls();
  const writers = (topic: string) => acls.filter((a) => a.resourceType === 'TOPIC' && a.resourceName === topic && a.operation === 'WRITE');

  it('should let only order-service write the main topics', () => {
    for (const t of Object.values(TOPICS)) expect(writers(t).map((a) => a.principal)).toEqual(['User:order-service']);
  });

  it("should give each group's retry and dead-letter topics to that group's principal alone", () => {
    const stats = KAFKA_GROUPS.userOrderStats;
    expect(writers(`${TOPICS.orderPaid}.${stats.groupId}.retry`).map((a) => a.principal)).toEqual(['User:user-service']);
    expect(writers(`${TOPICS.orderPaid}.${stats.groupId}.dlq`).map((a) => a.principal)).toEqual(['User:user-service']);
    expect(writers(`${TOPICS.orderRequests}.${KAFKA_GROUPS.orderIntake.groupId}.dlq`).map((a) => a.principal)).toEqual([
      'User:order-service',
    ]);
  });

  it('should let user-service read only the order events, in its own group', () => {
    const reads = kafkaAcls(KAFKA_IDENTITIES['user-service']).filter((a) => a.operation === 'READ');
    expect(reads.filter((a) => a.resourceType === 'GROUP').map((a) => a.resourceName)).toEqual(['user-service.order-stats']);
    expect(reads.filter((a) => a.resourceType === 'TOPIC' && !a.resourceName.endsWith('.retry')).map((a) => a.resourceName)).toEqual([
      TOPICS.orderCreated,
      TOPICS.orderPaid,
    ]);
  });

  it('should grant ACLs only on topics the platform creates, and none to a super user', () => {
    const topics = new Set(allTopics());
    for (const a of acls) if (a.resourceType === 'TOPIC') expect(topics.has(a.resourceName)).toBe(true);
    for (const u of KAFKA_SUPER_USERS) expect(acls.some((a) => a.principal === `User:${u}`)).toBe(false);
  });

  it('should use no comma in a password (the StorageTool --add-scram syntax cannot carry one)', () => {
    for (const id of Object.values(KAFKA_IDENTITIES)) expect(id.password).not.toMatch(/[,\]]/);
  });
});
