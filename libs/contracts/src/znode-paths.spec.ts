import { znodePaths } from './znode-paths';
import { dlqTopic, retryTopic, TOPICS } from './topics';

describe('znodePaths', () => {
  describe('when given valid names', () => {
    it('should build the contract layout', () => {
      expect(znodePaths.serviceInstance('user-service', 'us-1')).toBe('/services/user-service/us-1');
      expect(znodePaths.configKey('order-service', 'local', 'intake.rate')).toBe('/config/order-service/local/intake.rate');
      expect(znodePaths.lock('flash-sale-42')).toBe('/locks/flash-sale-42');
      expect(znodePaths.election('outbox-relay')).toBe('/election/outbox-relay');
      expect(znodePaths.workers('order-service')).toBe('/workers/order-service');
      expect(znodePaths.lock('flash-sale-42', 'order-service')).toBe('/locks/order-service/flash-sale-42');
      expect(znodePaths.election('outbox-relay', 'order-service')).toBe('/election/order-service/outbox-relay');
      expect(znodePaths.jobMembers('cancel-unpaid', 'order-service')).toBe('/jobs/order-service/cancel-unpaid/members');
      expect(znodePaths.ownedBy('gateway')).toEqual([
        '/services/gateway',
        '/config/gateway',
        '/locks/gateway',
        '/election/gateway',
        '/workers/gateway',
        '/jobs/gateway',
      ]);
    });
  });

  describe('when a segment could escape its parent', () => {
    it.each(['', '..', 'a/b', '../x', 'has space', '-lead'])('should reject %j', (bad) => {
      expect(() => znodePaths.service(bad)).toThrow(/invalid service name/);
    });
  });
});

describe('topics', () => {
  it("should name every topic <domain>.<event>.v<N>, with each group's own .retry and .dlq companions", () => {
    for (const t of Object.values(TOPICS)) expect(t).toMatch(/^[a-z]+\.[a-z]+\.v\d+$/);
    expect(retryTopic(TOPICS.orderCreated, 'user-service.order-stats')).toBe('order.created.v1.user-service.order-stats.retry');
    expect(dlqTopic(TOPICS.orderCreated, 'user-service.order-stats')).toBe('order.created.v1.user-service.order-stats.dlq');
  });

  it('should refuse a group id that cannot be part of a topic name', () => {
    expect(() => retryTopic(TOPICS.orderCreated, 'stats group')).toThrow(/cannot name a topic/);
    expect(() => dlqTopic(TOPICS.orderCreated, 'x'.repeat(240))).toThrow(/249/);
  });
});
