import { parseOrderEvent } from './order-events';
import { parseOrderRequest } from './order-requests';
import { PoisonMessageError } from './poison-message.error';

const valid = {
  eventId: '4f0c3c2e-7b7a-4c1e-9a53-0b8f3c7d1e22',
  type: 'order.created',
  version: 1,
  aggregateId: '1',
  occurredAt: '2026-11-26T00:00:00.000Z',
  payload: { orderId: '1', userId: '42', status: 'CREATED', totalCents: '900', currency: 'EUR' },
};

describe('parseOrderEvent', () => {
  it('should accept a v1 order event', () => {
    expect(parseOrderEvent(JSON.stringify(valid)).payload.userId).toBe('42');
  });

  it.each([
    ['an unknown version', { ...valid, version: 2 }, 'unknown event version 2'],
    ['an unknown type', { ...valid, type: 'order.shipped' }, 'unknown event type "order.shipped"'],
    ['a missing event id', { ...valid, eventId: undefined }, 'eventId missing'],
    ['a bad user id', { ...valid, payload: { ...valid.payload, userId: 'x' } }, 'payload.userId'],
  ])('should reject %s as poison, with the reason', (_name, event, reason) => {
    expect(() => parseOrderEvent(JSON.stringify(event))).toThrow(PoisonMessageError);
    expect(() => parseOrderEvent(JSON.stringify(event))).toThrow(reason);
  });

  it('should reject text that is not JSON as poison', () => {
    expect(() => parseOrderEvent('{nope')).toThrow('not JSON');
  });
});

describe('parseOrderRequest', () => {
  const request = { version: 1, ticket: '4f0c3c2e-7b7a-4c1e-9a53-0b8f3c7d1e22', userId: '42', items: [], requestedAt: '' };

  it('should accept a v1 order request', () => {
    expect(parseOrderRequest(JSON.stringify(request)).userId).toBe('42');
  });

  it.each([
    ['not JSON', '{nope', 'not JSON'],
    ['null', 'null', 'not an order request v1'],
    ['an unknown version', JSON.stringify({ ...request, version: 2 }), 'version 2'],
    ['a bad user id', JSON.stringify({ ...request, userId: 'x' }), 'not an order request v1'],
  ])('should reject %s as poison, with the reason', (_name, raw, reason) => {
    expect(() => parseOrderRequest(raw)).toThrow(PoisonMessageError);
    expect(() => parseOrderRequest(raw)).toThrow(reason);
  });
});
