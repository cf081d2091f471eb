export { launchService, spawnService, type AppName, type LaunchedService, type ServiceName, type SpawnedService } from './spawn-service';
export { testLogger } from './test-logger';
export { eventually } from './eventually';
export {
  asService,
  connectedZk,
  expireSession,
  OPERATOR_AUTH,
  suiteZk,
  waitForNewSession,
  waitForState,
  waitServing,
} from './zookeeper-helpers';
export { FencedRegister } from './fenced-register';
export { rawRedisCommand, redisAs } from './redis-helpers';
export { HttpClient, serviceHeaders, type HttpAnswer, type HttpCallOptions } from './http-client';
export { mysqlAdmin, mysqlAs, mysqlPort } from './mysql-admin';
export {
  E2E_PROFILE,
  liftAddressLimits,
  setLiveConfig,
  startPlatform,
  uniqueUsername,
  type FleetOptions,
  type PlatformFleet,
} from './platform-fleet';
export { kafkaAs, kafkaProbe, type ProbedMessage } from './kafka-probe';
export { counter, idemKey, scrape, ORDER_SERVERS, PASSWORD, physicalIds, placeOrder, shopper, type Shopper } from './shop-helpers';
export { PROMETHEUS_URL, promQuery, promTargets, type PromTarget } from './prometheus-client';
export { CHROMIUM_PATH, launchChromium } from './chromium';
