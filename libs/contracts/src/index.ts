export * from './local-stack';
export * from './topics';
export * from './znode-paths';
export * from './service-instance';
export * from './http/users.dto';
export * from './http/orders.dto';
export * from './events/order-events';
export * from './http/flash-sales.dto';
