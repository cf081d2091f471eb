/**
 * Kafka topic names: `<domain>.<event>.v<N>`. Each consumer group that reads
 * a topic has its own retry and dead-letter topics, `<topic>.<groupId>.retry`
 * and `<topic>.<groupId>.dlq` (see `KAFKA_GROUPS`), so a group's principal
 * writes only its own hand-offs.
 */
export const TOPICS = {
  orderCreated: 'order.created.v1',
  orderPaid: 'order.paid.v1',
  orderCancelled: 'order.cancelled.v1',
  orderRequests: 'order.requests.v1',
  flashSaleReserved: 'flashsale.reserved.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** Kafka's legal topic characters; a group id used in a topic name must keep to them. */
const TOPIC_CHARS = /^[a-zA-Z0-9._-]+$/;

function handOff(topic: string, groupId: string, kind: 'retry' | 'dlq'): string {
  if (!TOPIC_CHARS.test(groupId)) throw new Error(`consumer group "${groupId}" cannot name a topic: use only [a-zA-Z0-9._-]`);
  const name = `${topic}.${groupId}.${kind}`;
  if (name.length > 249) throw new Error(`topic name over Kafka's 249 characters: ${name}`);
  return name;
}

/** The retry topic of `groupId` for a main topic. */
export function retryTopic(topic: string, groupId: string): string {
  return handOff(topic, groupId, 'retry');
}

/** The dead-letter topic of `groupId` for a main topic. */
export function dlqTopic(topic: string, groupId: string): string {
  return handOff(topic, groupId, 'dlq');
}
