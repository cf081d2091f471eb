export { latestResults, renderHtml, writeResult } from './report';
export { DEFAULT_LOAD_OPTIONS, runLoad, type LoadOptions, type LoadResult, type RequestPlan } from './run-load';
export { scenario, SCENARIOS, settledSale, startFlashSale, type Scenario, type ScenarioContext } from './scenarios';
