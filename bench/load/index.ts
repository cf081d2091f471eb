export { latestResults, renderHtml, writeResult } from './report';
export { DEFAULT_LOAD_OPTIONS, runLoad, type LoadOptions, type LoadProgress, type LoadResult, type RequestPlan } from './run-load';
export { scenario, SCENARIOS, settledSale, startFlashSale, UNLOADED_OPERATIONS, type Scenario, type ScenarioContext } from './scenarios';
