/** Kafka topic names: `<domain>.<event>.v<N>`, plus `.retry` and `.dlq` for each. */
export const TOPICS = {
  orderCreated: 'order.created.v1',
  orderPaid: 'order.paid.v1',
  orderCancelled: 'order.cancelled.v1',
  orderRequests: 'order.requests.v1',
  flashSaleReserved: 'flashsale.reserved.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** The retry topic of a main topic. */
export function retryTopic(topic: TopicName): `${TopicName}.retry` {
  return `${topic}.retry`;
}

/** The dead-letter topic of a main topic. */
export function dlqTopic(topic: TopicName): `${TopicName}.dlq` {
  return `${topic}.dlq`;
}

/** Every topic the platform uses: each main topic with its retry and DLQ topics. */
export function allTopics(): string[] {
  return Object.values(TOPICS).flatMap((t) => [t, retryTopic(t), dlqTopic(t)]);
}
