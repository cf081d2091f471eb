export { seedBuyers, type Buyer, type SeedBuyersOptions } from './buyers';
export { LOAD_PASSWORD } from './password';
export { latestResults, renderHtml, writeResult } from './report';
export { DEFAULT_LOAD_OPTIONS, runLoad, type LoadOptions, type LoadResult, type RequestPlan } from './run-load';
export { scenario, SCENARIOS, settledSale, startFlashSale, type Scenario, type ScenarioContext } from './scenarios';
export { orderPrimaries } from './order-primaries';
