export { NoInstanceError, UpstreamError } from './service-client-errors';
export {
  DEFAULT_SERVICE_CLIENT_OPTIONS,
  ServiceClient,
  type ServiceClientOptions,
  type ServiceRequest,
  type ServiceResponse,
} from './service-client';
