export { parseHostPort, type MysqlEndpoint } from './mysql-endpoint';
export { DEFAULT_MYSQL_POOL_OPTIONS, MysqlPool, type MysqlPoolOptions } from './mysql-pool';
export { MysqlModule, MysqlPools } from './mysql.module';
