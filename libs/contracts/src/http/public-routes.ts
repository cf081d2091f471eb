import { SERVICE_NAMES } from '../service-instance';
import { CREATE_FLASH_SALE_BODY_SCHEMA } from './flash-sales.dto';
import { CREATE_ORDER_BODY_SCHEMA } from './orders.dto';
import { CHANGE_PASSWORD_BODY_SCHEMA, LOGIN_BODY_SCHEMA, REGISTER_BODY_SCHEMA } from './users.dto';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call an operation: anyone, a logged-in user (the `dsp.sid` cookie), or an operator (`Authorization: Bearer $ADMIN_TOKEN`). */
export type PublicAuth = 'none' | 'session' | 'admin';

/** One method of a public route. */
export interface PublicOperation {
  /** One line: what it does. */
  summary: string;
  auth: PublicAuth;
  /** The request body's JSON Schema, checked at the gateway (and again by the service). */
  body?: object;
}

/** One public route: where it goes, which methods exist, and what each takes. */
export interface PublicRoute {
  url: string;
  service: string;
  methods: Partial<Record<HttpMethod, PublicOperation>>;
  /** Count failed attempts for the login limiter. */
  login?: boolean;
}

const user = SERVICE_NAMES.user;
const order = SERVICE_NAMES.order;

/**
 * The public API: every route the gateway serves under `/api/` (the README's API
 * table). The gateway answers 405 with `Allow` for a method not listed here and
 * validates bodies against these schemas before a request reaches a service;
 * any other path under a {@link PUBLIC_PREFIXES} prefix is forwarded as is, and
 * the service answers it. The load kit has a scenario for each operation here
 * (or says why not).
 */
export const PUBLIC_ROUTES: readonly PublicRoute[] = [
  { url: '/api/users', service: user, methods: { POST: { summary: 'register', auth: 'none', body: REGISTER_BODY_SCHEMA } } },
  { url: '/api/users/me', service: user, methods: { GET: { summary: 'the logged-in user', auth: 'session' } } },
  {
    url: '/api/users/me/sessions',
    service: user,
    methods: {
      GET: { summary: "the user's sessions", auth: 'session' },
      DELETE: { summary: "revoke every one of the user's sessions", auth: 'session' },
    },
  },
  { url: '/api/users/me/sessions/:id', service: user, methods: { DELETE: { summary: 'revoke one session', auth: 'session' } } },
  {
    url: '/api/users/me/password',
    service: user,
    methods: { PUT: { summary: 'change the password (revokes every other session)', auth: 'session', body: CHANGE_PASSWORD_BODY_SCHEMA } },
  },
  {
    url: '/api/sessions',
    service: user,
    methods: { POST: { summary: 'log in: a session cookie', auth: 'none', body: LOGIN_BODY_SCHEMA } },
    login: true,
  },
  { url: '/api/sessions/current', service: user, methods: { DELETE: { summary: 'log out', auth: 'session' } } },
  {
    url: '/api/orders',
    service: order,
    methods: {
      GET: { summary: "the user's orders, newest first (one shard, keyset cursor)", auth: 'session' },
      POST: { summary: 'place an order (Idempotency-Key required)', auth: 'session', body: CREATE_ORDER_BODY_SCHEMA },
    },
  },
  {
    url: '/api/orders/async',
    service: order,
    methods: { POST: { summary: 'queue an order on Kafka: 202 and a ticket', auth: 'session', body: CREATE_ORDER_BODY_SCHEMA } },
  },
  { url: '/api/orders/requests/:ticket', service: order, methods: { GET: { summary: "a queued order's outcome", auth: 'session' } } },
  { url: '/api/orders/:id', service: order, methods: { GET: { summary: 'one order', auth: 'session' } } },
  { url: '/api/orders/:id/pay', service: order, methods: { POST: { summary: 'pay an order (from CREATED only)', auth: 'session' } } },
  { url: '/api/orders/:id/cancel', service: order, methods: { POST: { summary: 'cancel an order (from CREATED only)', auth: 'session' } } },
  {
    url: '/api/flash-sales',
    service: order,
    methods: { POST: { summary: 'start a flash sale', auth: 'admin', body: CREATE_FLASH_SALE_BODY_SCHEMA } },
  },
  { url: '/api/flash-sales/:id', service: order, methods: { GET: { summary: "a sale's stock and sold count", auth: 'none' } } },
  {
    url: '/api/flash-sales/:id/purchase',
    service: order,
    methods: {
      GET: { summary: "the buyer's purchase in a sale", auth: 'session' },
      POST: { summary: 'buy one unit (one per buyer)', auth: 'session' },
    },
  },
  { url: '/api/admin/orders', service: order, methods: { GET: { summary: 'every order, across shards (scatter-gather)', auth: 'admin' } } },
  {
    url: '/api/admin/products/:sku',
    service: order,
    methods: { PUT: { summary: 'create or update a product (broadcast table)', auth: 'admin' } },
  },
];

/** Prefixes forwarded for paths not listed in {@link PUBLIC_ROUTES}. */
export const PUBLIC_PREFIXES: readonly { prefix: string; service: string }[] = [
  { prefix: '/api/users/', service: user },
  { prefix: '/api/sessions/', service: user },
  { prefix: '/api/orders/', service: order },
  { prefix: '/api/flash-sales/', service: order },
];

/** Every operation of {@link PUBLIC_ROUTES} as `"METHOD /url"`. */
export function publicOperations(): string[] {
  return PUBLIC_ROUTES.flatMap((r) => Object.keys(r.methods).map((m) => `${m} ${r.url}`));
}
