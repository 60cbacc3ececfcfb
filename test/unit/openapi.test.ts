// The OpenAPI document: generated from the route table, valid OpenAPI 3.1 by a maintained validator, every
// route described, every schema file embedded, and usable to generate a TypeScript client.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, componentName, statusesOf } from '../../functions/openapi/document.ts';
import { ROUTE_DOCS } from '../../functions/openapi/route-docs.ts';
import { REQUEST_SCHEMAS, RESPONSE_SCHEMAS, TASK_SCHEMAS } from '../../functions/openapi/schemas.ts';
import { ROUTES } from '../../functions/routes.ts';

const repo = join(import.meta.dirname, '..', '..');
const schemaFiles = (dir: string) =>
  readdirSync(join(repo, dir))
    .filter((f) => f.endsWith('.schema.json'))
    .map((f) => f.slice(0, -'.schema.json'.length))
    .sort();

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 according to @seriousme/openapi-schema-validator', async () => {
    const validator = new Validator();
    const res = await validator.validate(buildOpenApiDocument({ serverUrl: 'http://127.0.0.1:8080' }));
    expect(res.errors ?? []).toEqual([]);
    expect(res.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every route of the route table, with its method, and nothing else', () => {
    const doc = buildOpenApiDocument() as any;
    const described = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(described.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    expect(Object.keys(ROUTE_DOCS).sort()).toEqual(ROUTES.map((r) => r.id).sort());
  });

  it('refuses to build when a route has no description', () => {
    const doc = ROUTE_DOCS.health;
    delete (ROUTE_DOCS as Record<string, unknown>).health;
    try {
      expect(() => buildOpenApiDocument()).toThrow(/health has no entry/);
    } finally {
      ROUTE_DOCS.health = doc!;
    }
  });

  it('embeds every schema file under schemas/api, schemas/api/responses and schemas/tasks', () => {
    expect(Object.keys(REQUEST_SCHEMAS).sort()).toEqual(schemaFiles('schemas/api'));
    expect(Object.keys(RESPONSE_SCHEMAS).sort()).toEqual(schemaFiles('schemas/api/responses'));
    expect(Object.keys(TASK_SCHEMAS).sort()).toEqual(schemaFiles('schemas/tasks'));
    const names = Object.keys((buildOpenApiDocument() as any).components.schemas);
    expect(names).toContain(componentName('error'));
    expect(names).toContain('ReceiptFieldsV1');
  });

  it('closes every response body at the top level: required fields and additionalProperties false', () => {
    for (const [file, schema] of Object.entries(RESPONSE_SCHEMAS)) {
      if ('oneOf' in schema) continue; // a union of closed schemas
      expect(schema.additionalProperties, file).toBe(false);
      expect(Array.isArray(schema.required) && schema.required.length > 0, file).toBe(true);
    }
  });

  it('documents 401 on keyed routes, 403 on scoped ones and the one error body for every error', () => {
    const doc = buildOpenApiDocument() as any;
    for (const route of ROUTES) {
      const statuses = Object.keys(statusesOf(route, ROUTE_DOCS[route.id]!));
      if (route.scope !== 'none') expect(statuses, route.id).toContain('401');
      if (route.scope !== 'none' && route.scope !== 'any') expect(statuses, route.id).toContain('403');
      const op = doc.paths[route.path][route.method.toLowerCase()];
      for (const [status, r] of Object.entries<any>(op.responses)) {
        // /ready answers 503 with its per-dependency checks; every other error is the one error body.
        if ((status === 'default' || Number(status) >= 400) && `${route.id} ${status}` !== 'ready 503') {
          expect(r.content['application/json'].schema.$ref, `${route.id} ${status}`).toBe('#/components/schemas/ErrorBody');
        }
      }
      expect(op.security, route.id).toEqual(route.scope === 'none' ? [] : [{ bearerAuth: [] }, { apiKeyHeader: [] }]);
    }
  });

  it('generates a TypeScript client description with openapi-typescript', async () => {
    const ast = await openapiTS(buildOpenApiDocument() as any);
    const ts = astToString(ast);
    expect(ts).toContain('export interface paths');
    for (const route of ROUTES) expect(ts).toContain(`"${route.path}"`);
    expect(ts).toContain('ErrorBody');
  });
});
