export { appendOrderEvent } from './outbox-append';
export { DEFAULT_OUTBOX_RELAY_OPTIONS, OutboxRelay, type OutboxPublisher, type OutboxRelayOptions } from './outbox-relay';
