import { withLocalPassword } from './local-secrets';
import { SERVICE_NAMES } from './service-instance';
import { dlqTopic, retryTopic, TOPICS } from './topics';

/** One consumer group: its id and the main topics it reads (its retry topics are read too). */
export interface KafkaConsumerGroup {
  readonly groupId: string;
  readonly topics: readonly string[];
}

/**
 * Every consumer group of the platform. A group's retry and dead-letter
 * topics are its own (`<topic>.<groupId>.retry|.dlq`), so the group's
 * principal needs WRITE only on those, never on another group's hand-offs
 * nor on the main topics it reads.
 */
export const KAFKA_GROUPS = {
  userOrderStats: { groupId: 'user-service.order-stats', topics: [TOPICS.orderCreated, TOPICS.orderPaid] },
  orderIntake: { groupId: 'order-service.intake', topics: [TOPICS.orderRequests] },
  orderFlashSale: { groupId: 'order-service.flash-sale', topics: [TOPICS.flashSaleReserved] },
} as const satisfies Record<string, KafkaConsumerGroup>;

/** A Kafka SCRAM-SHA-512 principal (`User:<user>`) and what it may produce and consume. */
export interface KafkaIdentity {
  readonly user: string;
  readonly password: string;
  /** Main topics it may WRITE (DESCRIBE is implied). */
  readonly produces: readonly string[];
  /** Groups it consumes in: READ on the group, READ on their topics and retry topics, WRITE on their retry and DLQ topics. */
  readonly groups: readonly KafkaConsumerGroup[];
  /** DESCRIBE on every topic and group of the platform (metadata, offsets and lag; nothing read, nothing written): the console's. */
  readonly describesAll?: boolean;
}

/** The brokers' own principal (inter-broker and controller traffic); a super user. */
export const KAFKA_BROKER_IDENTITY: { readonly user: 'broker'; readonly password: string } = withLocalPassword('kafka', {
  user: 'broker' as const,
});

/**
 * Who talks to Kafka, each as its own SCRAM-SHA-512 user. The passwords are
 * the loopback stack's, generated per stack (`localSecret('kafka/<user>')`; services read `KAFKA_USER` /
 * `KAFKA_PASSWORD`; `PLATFORM_PROFILE=production` refuses a missing
 * `KAFKA_PASSWORD`). The brokers run `StandardAuthorizer` with
 * `allow.everyone.if.no.acl.found=false`: a principal may do only what
 * {@link kafkaAcls} grants it, and an unauthenticated client is refused at
 * the handshake.
 *
 * - only order-service writes `order.*` and `flashsale.*` (its outbox, the
 *   order intake, flash-sale reservations);
 * - user-service reads the order events in its own group and writes nothing
 *   but its group's retry and dead-letter topics;
 * - the gateway does not use Kafka and has no identity here;
 * - `operator` is a super user: the stack manager, tests, benchmarks, people with Kafka's tools.
 */
export const KAFKA_IDENTITIES = {
  [SERVICE_NAMES.user]: withLocalPassword('kafka', {
    user: 'user-service',
    produces: [],
    groups: [KAFKA_GROUPS.userOrderStats],
  }),
  [SERVICE_NAMES.order]: withLocalPassword('kafka', {
    user: 'order-service',
    produces: [TOPICS.orderCreated, TOPICS.orderPaid, TOPICS.orderCancelled, TOPICS.orderRequests, TOPICS.flashSaleReserved],
    groups: [KAFKA_GROUPS.orderIntake, KAFKA_GROUPS.orderFlashSale],
  }),
  /** The console: metadata, partition leaders and ISR, offsets and lag; never a record (docs/console.md). */
  console: withLocalPassword('kafka', { user: 'dsp-console', produces: [], groups: [], describesAll: true }),
  operator: withLocalPassword('kafka', { user: 'dsp-operator', produces: [], groups: [] }),
} as const satisfies Record<string, KafkaIdentity>;

/** The principals the brokers treat as super users (every right, no ACL needed). */
export const KAFKA_SUPER_USERS: readonly string[] = [KAFKA_BROKER_IDENTITY.user, KAFKA_IDENTITIES.operator.user];

/** One literal ALLOW ACL for a principal, on any host. */
export interface KafkaAcl {
  readonly principal: string;
  readonly resourceType: 'TOPIC' | 'GROUP';
  readonly resourceName: string;
  readonly operation: 'READ' | 'WRITE' | 'DESCRIBE';
}

/** Exactly the ACLs of one identity: nothing else is allowed to it. */
export function kafkaAcls(id: KafkaIdentity): KafkaAcl[] {
  const principal = `User:${id.user}`;
  const acl = (resourceType: KafkaAcl['resourceType'], resourceName: string, operation: KafkaAcl['operation']): KafkaAcl => ({
    principal,
    resourceType,
    resourceName,
    operation,
  });
  return [
    ...id.produces.map((t) => acl('TOPIC', t, 'WRITE')),
    ...id.groups.flatMap((g) => [
      acl('GROUP', g.groupId, 'READ'),
      ...g.topics.flatMap((t) => [
        acl('TOPIC', t, 'READ'),
        acl('TOPIC', retryTopic(t, g.groupId), 'READ'),
        acl('TOPIC', retryTopic(t, g.groupId), 'WRITE'),
        acl('TOPIC', dlqTopic(t, g.groupId), 'WRITE'),
      ]),
    ]),
    ...(id.describesAll
      ? [
          ...allTopics().map((t) => acl('TOPIC', t, 'DESCRIBE')),
          ...Object.values(KAFKA_GROUPS).map((g: KafkaConsumerGroup) => acl('GROUP', g.groupId, 'DESCRIBE')),
        ]
      : []),
  ];
}

/** Every ACL of the platform: one list per identity that is not a super user. */
export function allKafkaAcls(): KafkaAcl[] {
  return Object.values(KAFKA_IDENTITIES).flatMap((id) => (KAFKA_SUPER_USERS.includes(id.user) ? [] : kafkaAcls(id)));
}

/** Every topic the platform uses: the main topics and each group's retry and dead-letter topics. */
export function allTopics(): string[] {
  const handOffs = Object.values(KAFKA_GROUPS).flatMap((g: KafkaConsumerGroup) =>
    g.topics.flatMap((t) => [retryTopic(t, g.groupId), dlqTopic(t, g.groupId)]),
  );
  return [...Object.values(TOPICS), ...handOffs];
}
