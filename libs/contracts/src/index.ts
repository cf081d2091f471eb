export * from './local-stack';
export * from './topics';
export * from './znode-paths';
export * from './service-instance';
export * from './http/users.dto';
