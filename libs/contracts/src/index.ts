export * from './local-stack';
export * from './topics';
export * from './znode-paths';
export * from './service-instance';
