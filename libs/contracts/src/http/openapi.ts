import { API_SCHEMAS, type ApiSchemaName } from './api-schemas';
import { CONFIG_ADMIN_ROUTES, PUBLIC_ROUTES, type PublicOperation, type PublicResponse, type PublicRoute } from './public-routes';

/** The version of the public API the document describes (`info.version`). */
export const PUBLIC_API_VERSION = '1.0.0';

/** The OpenAPI 3.1 document the gateway serves at `/api/openapi.json`. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, object>; securitySchemes: Record<string, object> };
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: object[];
  requestBody?: object;
  responses: Record<string, { description: string; content?: Record<string, { schema: object }> }>;
}

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

/** `/api/orders/:id/pay` -> `/api/orders/{id}/pay` */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z]+)/g, '{$1}');
}

function responseOf(r: PublicResponse): { description: string; content?: Record<string, { schema: object }> } {
  if (r.schema === undefined) return { description: r.description };
  const schema = typeof r.schema === 'string' ? ref(r.schema) : { anyOf: r.schema.map(ref) };
  return { description: r.description, content: { 'application/json': { schema } } };
}

/** What every operation of its kind can answer besides its own responses. */
function commonResponses(op: PublicOperation): Record<number, PublicResponse> {
  const out: Record<number, PublicResponse> = {};
  const error = (description: string): PublicResponse => ({ description, schema: 'Error' });
  if (op.body || op.query || op.headers) out[400] = error('bad input: the message names the field');
  if (op.body) {
    out[413] = error('the body is too large');
    out[415] = error('the body is not application/json');
  }
  if (op.auth === 'session') out[401] = error('no valid session');
  if (op.auth === 'admin') out[401] = error('no valid admin token');
  out[500] = error('an unexpected failure (logged with the request id)');
  out[502] = error('the service failed to answer');
  out[503] = error('overloaded (nothing was done: retry after Retry-After), no instance of the service is ready, or a dependency is down');
  out[504] = error('the service did not answer in time');
  return out;
}

function operationId(method: string, url: string): string {
  const words = url
    .replace(/^\/api\//, '')
    .split(/[/-]/)
    .filter(Boolean)
    .map((w) => (w.startsWith(':') ? `by-${w.slice(1)}` : w));
  return [method.toLowerCase(), ...words]
    .map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join('')
    .replace(/-(.)/g, (_, c: string) => c.toUpperCase());
}

function operation(route: PublicRoute, method: string, op: PublicOperation): OpenApiOperation {
  const params = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const query = Object.entries(op.query ?? {}).map(([name, q]) => ({
    name,
    in: 'query',
    required: false,
    description: q.description,
    schema: q.schema,
  }));
  const headers = Object.entries(op.headers ?? {}).map(([name, h]) => ({
    name,
    in: 'header',
    required: h.required,
    description: h.description,
    schema: h.schema,
  }));
  const parameters = [...params, ...query, ...headers];
  const responses = { ...commonResponses(op), ...op.responses };
  return {
    operationId: operationId(method, route.url),
    summary: op.summary,
    tags: [route.service ?? 'config-admin'],
    ...(op.auth === 'session' ? { security: [{ session: [] }] } : op.auth === 'admin' ? { security: [{ admin: [] }] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(op.body.$id) } } } } : {}),
    responses: Object.fromEntries(
      Object.entries(responses)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([status, r]) => [status, responseOf(r)]),
    ),
  };
}

/** A JSON Schema without its `$id` (a component is named by its key). */
function component(schema: object): object {
  const { $id: _id, ...rest } = schema as { $id?: string };
  return rest;
}

/**
 * The OpenAPI 3.1 document of the public API, generated from
 * {@link PUBLIC_ROUTES}, {@link CONFIG_ADMIN_ROUTES}, their request body
 * schemas and {@link API_SCHEMAS}: the same table the gateway routes and
 * validates with, so the document cannot list a route the gateway lacks.
 */
export function openApiDocument(): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  const schemas: Record<string, object> = {};
  for (const [name, s] of Object.entries(API_SCHEMAS)) schemas[name] = s as object;
  for (const route of [...PUBLIC_ROUTES, ...CONFIG_ADMIN_ROUTES]) {
    const item: Record<string, OpenApiOperation> = {};
    for (const [method, op] of Object.entries(route.methods) as [string, PublicOperation][]) {
      item[method.toLowerCase()] = operation(route, method, op);
      if (op.body) schemas[op.body.$id] = component(op.body);
    }
    paths[openApiPath(route.url)] = item;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'distributed-systems-platform: public API',
      version: PUBLIC_API_VERSION,
      description:
        'What the gateway serves under /api. Sessions are a cookie (POST /api/sessions); operator routes take Authorization: Bearer $ADMIN_TOKEN (npm run -s stack -- secret admin-token on the local stack).',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'dsp.sid', description: 'the session cookie; __Host-dsp.sid over TLS' },
        admin: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
      },
    },
  };
}

export type { ApiSchemaName };
