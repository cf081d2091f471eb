export { Tracing, type TracingHandle, type TracingOptions } from './tracing';
export { EdgeSampler } from './edge-sampler';
export { currentTraceparent, contextFromTraceparent, injectTraceContext } from './trace-context';
export { publishTraced, type TracedMessage } from './publish-spans';
export { consumeTraced } from './consume-spans';
export { isUntracedPath } from './untraced-paths';
export { activeTraceId, nameServerSpan } from './server-span';
export { tracingDisabled } from './sdk-disabled';
export { TraceAdmission, type AdmissionPolicy } from './trace-admission';
