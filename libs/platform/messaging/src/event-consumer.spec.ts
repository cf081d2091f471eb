import { deniedCause } from './event-consumer';

describe('deniedCause', () => {
  it('should name an authorisation refusal, also inside kafkajs wrappers, and nothing else', () => {
    const refused = Object.assign(new Error('Not authorized to access topics'), { type: 'TOPIC_AUTHORIZATION_FAILED' });
    expect(deniedCause(refused)).toBe('not authorised (TOPIC_AUTHORIZATION_FAILED)');
    expect(deniedCause(Object.assign(new Error('retries exceeded'), { originalError: refused }))).toBe(
      'not authorised (TOPIC_AUTHORIZATION_FAILED)',
    );
    expect(deniedCause(new Error('wrapped', { cause: Object.assign(new Error('x'), { type: 'GROUP_AUTHORIZATION_FAILED' }) }))).toBe(
      'not authorised (GROUP_AUTHORIZATION_FAILED)',
    );
    expect(
      deniedCause(Object.assign(new Error('Failed to find group coordinator'), { name: 'KafkaJSGroupCoordinatorNotFound' })),
    ).toBeUndefined();
    expect(deniedCause(Object.assign(new Error('leader moved'), { type: 'NOT_LEADER_OR_FOLLOWER' }))).toBeUndefined();
  });
});
