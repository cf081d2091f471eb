/** Kafka topic names: `<domain>.<event>.v<N>`, plus `.retry` and `.dlq` for each. */
export const TOPICS = {
  orderCreated: 'order.created.v1',
  orderPaid: 'order.paid.v1',
  orderCancelled: 'order.cancelled.v1',
  orderRequests: 'order.requests.v1',
  flashSaleReserved: 'flashsale.reserved.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

const RETRY = '.retry';
const DLQ = '.dlq';

/** The retry topic of a main topic. */
export function retryTopic<T extends string>(topic: T): `${T}.retry` {
  return `${topic}${RETRY}`;
}

/** The dead-letter topic of a main topic. */
export function dlqTopic<T extends string>(topic: T): `${T}.dlq` {
  return `${topic}${DLQ}`;
}

/** The main topic a retry topic belongs to, or undefined when `topic` is not a retry topic. */
export function mainTopicOfRetry(topic: string): string | undefined {
  return topic.endsWith(RETRY) ? topic.slice(0, -RETRY.length) : undefined;
}

/** Every topic the platform uses: each main topic with its retry and DLQ topics. */
export function allTopics(): string[] {
  return Object.values(TOPICS).flatMap((t) => [t, retryTopic(t), dlqTopic(t)]);
}
