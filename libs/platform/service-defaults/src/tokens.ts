/** DI token of the validated service configuration object. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
/** DI token of the JSON logger (pino). */
export const JSON_LOGGER = Symbol('JSON_LOGGER');
