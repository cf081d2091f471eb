import { SERVICE_NAMES } from '../service-instance';
import {
  CONFIG_GRAY_BODY_SCHEMA,
  CONFIG_ROLLBACK_BODY_SCHEMA,
  CONFIG_SET_BODY_SCHEMA,
  UPSERT_PRODUCT_BODY_SCHEMA,
  type ApiSchemaName,
} from './api-schemas';
import { CREATE_FLASH_SALE_BODY_SCHEMA } from './flash-sales.dto';
import { CREATE_ORDER_BODY_SCHEMA } from './orders.dto';
import { CHANGE_PASSWORD_BODY_SCHEMA, LOGIN_BODY_SCHEMA, REGISTER_BODY_SCHEMA } from './users.dto';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call an operation: anyone, a logged-in user (the `dsp.sid` cookie), or an operator (`Authorization: Bearer $ADMIN_TOKEN`). */
export type PublicAuth = 'none' | 'session' | 'admin';

/** One documented answer: what it means and, when it has a body, the component schema of that body (several: any one of them). */
export interface PublicResponse {
  description: string;
  schema?: ApiSchemaName | readonly ApiSchemaName[];
}

/** One method of a public route. */
export interface PublicOperation {
  /** One line: what it does. */
  summary: string;
  auth: PublicAuth;
  /** The request body's JSON Schema (with an `$id`), checked at the gateway and again by the service. */
  body?: { $id: string };
  /** Query parameters. */
  query?: Readonly<Record<string, { description: string; schema: object }>>;
  /** Request headers it reads, beyond the auth. */
  headers?: Readonly<Record<string, { description: string; required: boolean; schema: object }>>;
  /**
   * The answers of the operation itself. Those every operation can give are
   * added by {@link openApiDocument}: 400/413/415 with a body, 401 behind auth,
   * 502/503/504 from the gateway.
   */
  responses: Readonly<Record<number, PublicResponse>>;
}

/** One public route: where it goes, which methods exist, and what each takes and answers. */
export interface PublicRoute {
  url: string;
  /** The service that answers it; `null` for the config admin routes, answered by the app named in `:app`. */
  service: string | null;
  methods: Partial<Record<HttpMethod, PublicOperation>>;
  /** Count failed attempts for the login limiter. */
  login?: boolean;
}

/** A public route one service answers. */
export interface ServiceRoute extends PublicRoute {
  service: string;
}

const user = SERVICE_NAMES.user;
const order = SERVICE_NAMES.order;

const ok = (description: string, schema?: ApiSchemaName | readonly ApiSchemaName[]): PublicResponse =>
  schema === undefined ? { description } : { description, schema };
const err = (description: string): PublicResponse => ({ description, schema: 'Error' });
const NONE = (description: string): PublicResponse => ({ description });
const PAGE_QUERY = {
  limit: { description: 'Page size, 1-100 (default 20).', schema: { type: 'string', pattern: '^[0-9]+$' } },
  cursor: { description: "The previous page's `nextCursor`.", schema: { type: 'string' } },
} as const;

/**
 * The public API: every route the gateway serves under `/api/` (the README's API
 * table, and `/api/openapi.json`). The gateway answers 405 with `Allow` for a
 * method not listed here and validates bodies against these schemas before a
 * request reaches a service; any other path under a {@link PUBLIC_PREFIXES}
 * prefix is forwarded as is, and the service answers it. The load kit has a
 * scenario for each operation here (or says why not), and the API test calls
 * each one and checks its answer against the document.
 */
export const PUBLIC_ROUTES: readonly ServiceRoute[] = [
  {
    url: '/api/users',
    service: user,
    methods: {
      POST: {
        summary: 'register',
        auth: 'none',
        body: REGISTER_BODY_SCHEMA,
        responses: {
          201: ok('the new user', 'User'),
          409: err('the username is taken (case-insensitively)'),
          429: err('over the per-address registration limit (Retry-After)'),
        },
      },
    },
  },
  {
    url: '/api/users/me',
    service: user,
    methods: {
      GET: {
        summary: 'the logged-in user (x-db-route says which server answered and why)',
        auth: 'session',
        responses: {
          200: ok('the user, its order statistics and its session', 'Me'),
          404: err('the account of this session no longer exists'),
        },
      },
    },
  },
  {
    url: '/api/users/me/sessions',
    service: user,
    methods: {
      GET: { summary: "the user's sessions", auth: 'session', responses: { 200: ok('every live session of the user', 'SessionList') } },
      DELETE: {
        summary: "revoke every one of the user's sessions",
        auth: 'session',
        responses: { 204: NONE('revoked, this one included') },
      },
    },
  },
  {
    url: '/api/users/me/sessions/:id',
    service: user,
    methods: {
      DELETE: {
        summary: 'revoke one session',
        auth: 'session',
        responses: { 204: NONE('revoked'), 404: err('not a session of this user') },
      },
    },
  },
  {
    url: '/api/users/me/password',
    service: user,
    methods: {
      PUT: {
        summary: 'change the password (revokes every other session)',
        auth: 'session',
        body: CHANGE_PASSWORD_BODY_SCHEMA,
        responses: {
          204: NONE('changed'),
          401: err('no session, or the current password is wrong'),
          429: err('too many wrong passwords on this account (Retry-After)'),
        },
      },
    },
  },
  {
    url: '/api/sessions',
    service: user,
    methods: {
      POST: {
        summary: 'log in: a session cookie (dsp.sid; __Host-dsp.sid over TLS)',
        auth: 'none',
        body: LOGIN_BODY_SCHEMA,
        responses: {
          200: ok('logged in: the user and the session', 'Login'),
          401: err('wrong username or password'),
          429: err('too many attempts from this address or on this account (Retry-After)'),
        },
      },
    },
    login: true,
  },
  {
    url: '/api/sessions/current',
    service: user,
    methods: { DELETE: { summary: 'log out', auth: 'session', responses: { 204: NONE('the session is gone') } } },
  },
  {
    url: '/api/orders',
    service: order,
    methods: {
      GET: {
        summary: "the user's orders, newest first (one shard, keyset cursor)",
        auth: 'session',
        query: PAGE_QUERY,
        responses: { 200: ok('a page of orders', 'OrderPage') },
      },
      POST: {
        summary: 'place an order',
        auth: 'session',
        body: CREATE_ORDER_BODY_SCHEMA,
        headers: {
          'idempotency-key': {
            description: '8-64 of A-Z a-z 0-9 _ . : -; a replay answers the first response',
            required: true,
            schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{8,64}$' },
          },
        },
        responses: {
          201: ok('the order (also the answer to a replay of its key)', 'Order'),
          409: err('the first request with this key is still in flight'),
          422: err('an unknown SKU or user, or this key was used with another body'),
        },
      },
    },
  },
  {
    url: '/api/orders/async',
    service: order,
    methods: {
      POST: {
        summary: 'queue an order on Kafka (peak shaving)',
        auth: 'session',
        body: CREATE_ORDER_BODY_SCHEMA,
        responses: { 202: ok('queued: a ticket to ask about (an unknown SKU shows up there, as rejected)', 'OrderTicket') },
      },
    },
  },
  {
    url: '/api/orders/requests/:ticket',
    service: order,
    methods: {
      GET: {
        summary: "a queued order's outcome",
        auth: 'session',
        responses: { 200: ok('pending, created or rejected', 'OrderTicket'), 404: err('no such ticket of this user') },
      },
    },
  },
  {
    url: '/api/orders/:id',
    service: order,
    methods: {
      GET: { summary: 'one order', auth: 'session', responses: { 200: ok('the order', 'Order'), 404: err('no such order of this user') } },
    },
  },
  {
    url: '/api/orders/:id/pay',
    service: order,
    methods: {
      POST: {
        summary: 'pay an order',
        auth: 'session',
        responses: { 200: ok('paid', 'Order'), 404: err('no such order of this user'), 409: err('not CREATED') },
      },
    },
  },
  {
    url: '/api/orders/:id/cancel',
    service: order,
    methods: {
      POST: {
        summary: 'cancel an order',
        auth: 'session',
        responses: { 200: ok('cancelled', 'Order'), 404: err('no such order of this user'), 409: err('not CREATED') },
      },
    },
  },
  {
    url: '/api/flash-sales',
    service: order,
    methods: {
      POST: {
        summary: 'start a flash sale',
        auth: 'admin',
        body: CREATE_FLASH_SALE_BODY_SCHEMA,
        responses: { 201: ok('the sale', 'FlashSale'), 422: err('an unknown SKU') },
      },
    },
  },
  {
    url: '/api/flash-sales/:id',
    service: order,
    methods: {
      GET: {
        summary: "a sale's stock and sold count (from the primary)",
        auth: 'none',
        responses: { 200: ok('the sale', 'FlashSale'), 404: err('no such sale') },
      },
    },
  },
  {
    url: '/api/flash-sales/:id/purchase',
    service: order,
    methods: {
      GET: {
        summary: "the buyer's purchase in a sale",
        auth: 'session',
        responses: { 200: ok('the purchase as it stands', 'Purchase'), 404: err('no such sale, or no purchase of this buyer in it') },
      },
      POST: {
        summary: 'buy one unit (one per buyer; a repeat answers like the first, idempotent-replayed: true)',
        auth: 'session',
        responses: {
          201: ok('ordered (zk-lock, redis-lock, db-atomic)', 'Purchase'),
          202: ok('reserved (redis-reserve): the order follows through Kafka', 'Purchase'),
          404: err('no such sale'),
          409: ok('sold out, in progress, or the reservation was rejected', ['Error', 'RejectedPurchase']),
        },
      },
    },
  },
  {
    url: '/api/admin/orders',
    service: order,
    methods: {
      GET: {
        summary: 'every order, newest first, across shards (scatter-gather)',
        auth: 'admin',
        query: PAGE_QUERY,
        responses: { 200: ok('a page of orders', 'OrderPage') },
      },
    },
  },
  {
    url: '/api/admin/products/:sku',
    service: order,
    methods: {
      PUT: {
        summary: 'create or update a product (a broadcast table: written to every order database)',
        auth: 'admin',
        body: UPSERT_PRODUCT_BODY_SCHEMA,
        responses: { 200: ok('the copy in each order database', 'ProductCopies') },
      },
    },
  },
  // @dsp/workspace:service public-routes
];

const unknownApp = err('an unknown app');
const badKey = err('an unknown key of the app, or a value its schema refuses');

/**
 * The config admin API: token-checked at the gateway (bodies checked there
 * too), then answered by the app named in `:app` (its `/internal/config`
 * routes, validated with its own schema), reached through discovery.
 */
export const CONFIG_ADMIN_ROUTES: readonly PublicRoute[] = [
  {
    url: '/api/admin/config/:app',
    service: null,
    methods: {
      GET: {
        summary: "an app's live config: every key and its value",
        auth: 'admin',
        responses: { 200: ok('the config', 'ConfigView'), 404: unknownApp },
      },
    },
  },
  {
    url: '/api/admin/config/:app/:key',
    service: null,
    methods: {
      GET: {
        summary: "one key's value",
        auth: 'admin',
        responses: { 200: ok('the value and its znode', 'ConfigValue'), 404: err('an unknown app or key') },
      },
      PUT: {
        summary: 'write a value (every instance follows within a watch)',
        auth: 'admin',
        body: CONFIG_SET_BODY_SCHEMA,
        responses: { 200: ok('written', 'ConfigValue'), 400: badKey, 404: unknownApp },
      },
    },
  },
  {
    url: '/api/admin/config/:app/:key/history',
    service: null,
    methods: {
      GET: {
        summary: "a key's past values",
        auth: 'admin',
        responses: { 200: ok('oldest first', 'ConfigHistory'), 400: err('an unknown key of the app'), 404: unknownApp },
      },
    },
  },
  {
    url: '/api/admin/config/:app/:key/rollback',
    service: null,
    methods: {
      POST: {
        summary: 'write a past value again',
        auth: 'admin',
        body: CONFIG_ROLLBACK_BODY_SCHEMA,
        responses: { 200: ok('the value now', 'ConfigValue'), 400: err('an unknown key, or no such history entry'), 404: unknownApp },
      },
    },
  },
  {
    url: '/api/admin/config/:app/:key/gray',
    service: null,
    methods: {
      PUT: {
        summary: 'a gray release: a value only instances with one of the tags see',
        auth: 'admin',
        body: CONFIG_GRAY_BODY_SCHEMA,
        responses: { 200: ok('released to those tags', 'ConfigGray'), 400: badKey, 404: unknownApp },
      },
      DELETE: {
        summary: 'cancel the gray release',
        auth: 'admin',
        responses: { 204: NONE('cancelled (also when there was none)'), 400: err('an unknown key of the app'), 404: unknownApp },
      },
    },
  },
  {
    url: '/api/admin/config/:app/:key/gray/promote',
    service: null,
    methods: {
      POST: {
        summary: 'promote the gray value to everyone',
        auth: 'admin',
        responses: { 200: ok('promoted', 'ConfigPromoted'), 400: err('an unknown key, or no gray release to promote'), 404: unknownApp },
      },
    },
  },
];

/** Prefixes forwarded for paths not listed in {@link PUBLIC_ROUTES}. */
export const PUBLIC_PREFIXES: readonly { prefix: string; service: string }[] = [
  { prefix: '/api/users/', service: user },
  { prefix: '/api/sessions/', service: user },
  { prefix: '/api/orders/', service: order },
  { prefix: '/api/flash-sales/', service: order },
  // @dsp/workspace:service public-prefixes
];

/** Every operation of {@link PUBLIC_ROUTES} and {@link CONFIG_ADMIN_ROUTES} as `"METHOD /url"`. */
export function publicOperations(): string[] {
  return [...PUBLIC_ROUTES, ...CONFIG_ADMIN_ROUTES].flatMap((r) => Object.keys(r.methods).map((m) => `${m} ${r.url}`));
}
