import type { ProducerBatch, RecordMetadata } from 'kafkajs';
import { createJsonLogger } from '@dsp/service-defaults';
import { EventProducer } from './event-producer';
import type { KafkaConnection } from './kafka-connection';

const logger = createJsonLogger({ service: 'spec', instanceId: 'spec', level: 'silent' });

/** A connection whose producers record each request and answer as `answer` says (default: every partition acknowledged). */
function fakeKafka(answer: (b: ProducerBatch, call: number) => RecordMetadata[]) {
  const requests: ProducerBatch[] = [];
  let producers = 0;
  const kafka = {
    partitionCount: async () => 6,
    client: {
      producer: () => {
        producers++;
        return {
          connect: async () => undefined,
          disconnect: async () => undefined,
          sendBatch: async (b: ProducerBatch) => {
            requests.push(b);
            return answer(b, requests.length);
          },
        };
      },
    },
  } as unknown as KafkaConnection;
  return { kafka, requests, producers: () => producers };
}

const everyPartition = (b: ProducerBatch): RecordMetadata[] => {
  const seen = new Map<string, RecordMetadata>();
  for (const t of b.topicMessages ?? [])
    for (const m of t.messages)
      seen.set(`${t.topic}/${m.partition}`, { topicName: t.topic, partition: Number(m.partition), errorCode: 0 } as RecordMetadata);
  return [...seen.values()];
};

const messages = Array.from({ length: 40 }, (_, i) => ({ key: `order-${i % 10}`, value: `v${i}` }));

describe('EventProducer', () => {
  it('should give every message its partition by key (one key, one partition) and resolve once every partition is acknowledged', async () => {
    const f = fakeKafka(everyPartition);
    const p = new EventProducer(f.kafka, logger);
    await p.start();
    await p.send('t', messages);
    const sent = f.requests[0]?.topicMessages?.[0]?.messages ?? [];
    const byKey = new Map<string, Set<number>>();
    for (const m of sent) byKey.set(String(m.key), (byKey.get(String(m.key)) ?? new Set()).add(Number(m.partition)));
    expect([...byKey.values()].every((s) => s.size === 1)).toBe(true);
    expect(sent.every((m) => Number(m.partition) >= 0 && Number(m.partition) < 6)).toBe(true);
    await p.close();
  });

  it('should reject, never resolve, a request whose answer leaves out a partition it carried (kafkajs retry after a leader move), and replace the producer', async () => {
    // The first answer drops one partition, as kafkajs 2.2.4 does when a failed partition moved to a broker that had already answered.
    const f = fakeKafka((b, call) => (call === 1 ? everyPartition(b).slice(1) : everyPartition(b)));
    const p = new EventProducer(f.kafka, logger);
    await p.start();
    await expect(p.send('t', messages)).rejects.toThrow(/Kafka did not acknowledge the message: .*did not acknowledge t\/\d/);
    await expect(p.send('t', messages)).resolves.toBeUndefined(); // sent again, whole
    expect(f.producers()).toBe(2); // replaced after the failed request
    await p.close();
  });

  it('should reject a request whose answer carries an error code for a partition', async () => {
    const f = fakeKafka((b) => everyPartition(b).map((r, i) => (i === 0 ? { ...r, errorCode: 6 } : r)));
    const p = new EventProducer(f.kafka, logger);
    await p.start();
    await expect(p.send('t', messages)).rejects.toThrow(/did not acknowledge/);
    await p.close();
  });
});
