import {
  CHANGE_PASSWORD_BODY_SCHEMA,
  CREATE_FLASH_SALE_BODY_SCHEMA,
  CREATE_ORDER_BODY_SCHEMA,
  LOGIN_BODY_SCHEMA,
  REGISTER_BODY_SCHEMA,
  SERVICE_NAMES,
} from '@dsp/contracts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One public route: where it goes, which methods exist, and the body schema checked at the edge. */
export interface GatewayRoute {
  url: string;
  service: string;
  methods: Partial<Record<HttpMethod, { body?: object }>>;
  /** Count failed attempts for the login limiter. */
  login?: boolean;
}

const user = SERVICE_NAMES.user;
const order = SERVICE_NAMES.order;

/**
 * The public API (the public contract: the README's API table). Listed routes get 405 with
 * `Allow` for other methods and their bodies validated here; any other path
 * under a prefix is forwarded as is, and the service answers it.
 */
export const GATEWAY_ROUTES: GatewayRoute[] = [
  { url: '/api/users', service: user, methods: { POST: { body: REGISTER_BODY_SCHEMA } } },
  { url: '/api/users/me', service: user, methods: { GET: {} } },
  { url: '/api/users/me/sessions', service: user, methods: { GET: {}, DELETE: {} } },
  { url: '/api/users/me/sessions/:id', service: user, methods: { DELETE: {} } },
  { url: '/api/users/me/password', service: user, methods: { PUT: { body: CHANGE_PASSWORD_BODY_SCHEMA } } },
  { url: '/api/sessions', service: user, methods: { POST: { body: LOGIN_BODY_SCHEMA } }, login: true },
  { url: '/api/sessions/current', service: user, methods: { DELETE: {} } },
  { url: '/api/orders', service: order, methods: { GET: {}, POST: { body: CREATE_ORDER_BODY_SCHEMA } } },
  { url: '/api/orders/async', service: order, methods: { POST: { body: CREATE_ORDER_BODY_SCHEMA } } },
  { url: '/api/orders/requests/:ticket', service: order, methods: { GET: {} } },
  { url: '/api/orders/:id', service: order, methods: { GET: {} } },
  { url: '/api/orders/:id/pay', service: order, methods: { POST: {} } },
  { url: '/api/orders/:id/cancel', service: order, methods: { POST: {} } },
  { url: '/api/flash-sales', service: order, methods: { POST: { body: CREATE_FLASH_SALE_BODY_SCHEMA } } },
  { url: '/api/flash-sales/:id', service: order, methods: { GET: {} } },
  { url: '/api/flash-sales/:id/purchase', service: order, methods: { GET: {}, POST: {} } },
  { url: '/api/admin/orders', service: order, methods: { GET: {} } },
  { url: '/api/admin/products/:sku', service: order, methods: { PUT: {} } },
];

/** Prefixes forwarded for paths not listed above. */
export const GATEWAY_PREFIXES: { prefix: string; service: string }[] = [
  { prefix: '/api/users/', service: user },
  { prefix: '/api/sessions/', service: user },
  { prefix: '/api/orders/', service: order },
  { prefix: '/api/flash-sales/', service: order },
];
