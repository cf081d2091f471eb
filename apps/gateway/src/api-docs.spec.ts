import Ajv2020 from 'ajv/dist/2020';
import Fastify from 'fastify';
import { openApiDocument, publicOperations } from '@dsp/contracts';
import { API_DOCS_PATH, installApiDocs, OPENAPI_JSON_PATH } from './api-docs';

describe('the OpenAPI document', () => {
  const doc = openApiDocument();

  it('should describe every public operation once, each with a unique operationId', () => {
    const ops = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    const expected = publicOperations().map((op) => op.replace(/:([A-Za-z]+)/g, '{$1}'));
    expect(ops.sort()).toEqual(expected.sort());
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('should compile every schema as JSON Schema 2020-12 and resolve every $ref', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });
    ajv.addKeyword('components'); // the document's own container of schemas, not a validation keyword
    ajv.addSchema({ $id: 'doc', components: doc.components }, 'doc');
    for (const name of Object.keys(doc.components.schemas)) expect(ajv.getSchema(`doc#/components/schemas/${name}`)).toBeDefined();
    const refs = JSON.stringify(doc).match(/"\$ref":"#\/components\/schemas\/[A-Za-z]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(20);
    for (const r of refs) expect(doc.components.schemas[r.split('/').pop()?.replace('"', '') as string]).toBeDefined();
  });

  it('should be served at /api/openapi.json, with Swagger UI at /api/docs from local assets', async () => {
    const app = Fastify();
    installApiDocs(app);
    try {
      const json = await app.inject({ url: OPENAPI_JSON_PATH });
      expect(json.statusCode).toBe(200);
      expect(json.headers['content-type']).toMatch(/^application\/json/);
      expect(json.json()).toEqual(doc);
      const ui = await app.inject({ url: `${API_DOCS_PATH}/` });
      expect(ui.statusCode).toBe(200);
      expect(ui.body).toContain('swagger-ui');
      const css = await app.inject({ url: `${API_DOCS_PATH}/static/swagger-ui.css` });
      expect(css.statusCode).toBe(200);
      expect(ui.body).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z]/i); // nothing fetched from elsewhere
    } finally {
      await app.close();
    }
  });
});
