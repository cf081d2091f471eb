import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { openApiDocument } from '@dsp/contracts';

/** Where the gateway serves the public API's OpenAPI document and its browsable UI. */
export const OPENAPI_JSON_PATH = '/api/openapi.json';
export const API_DOCS_PATH = '/api/docs';

/**
 * Serves the OpenAPI 3.1 document of the public API (generated once from the
 * route table in `@dsp/contracts`, the table the gateway routes by) at
 * `/api/openapi.json`, and Swagger UI over it at `/api/docs` (its assets come
 * from the package, nothing is fetched from the internet). Both are public,
 * like the API they describe; they say nothing the routes do not.
 */
export function installApiDocs(fastify: FastifyInstance): void {
  const document = openApiDocument();
  const body = JSON.stringify(document);
  fastify.get(OPENAPI_JSON_PATH, async (_req, reply) =>
    reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'public, max-age=60').send(body),
  );
  // Not awaited: the plugins load with the rest at `ready`, so the routes installed before them
  // keep the error handler Nest sets after this runs.
  void fastify.register(swagger, { mode: 'static', specification: { document: document as never } });
  void fastify.register(swaggerUi, {
    routePrefix: API_DOCS_PATH,
    uiConfig: { url: OPENAPI_JSON_PATH, docExpansion: 'list', deepLinking: true },
    staticCSP: true,
  });
}
