// Checks recorded responses against the OpenAPI document: each body against its route's schema for that
// status (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses it), and which documented route/status pairs were seen.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { buildOpenApiDocument } from '../../functions/openapi/document.ts';
import { ROUTES } from '../../functions/routes.ts';
import type { Recording } from './response-recorder.ts';

export interface GuardReport {
  checked: number;
  invalid: Array<{ route: string; status: number; path: string; errors: string }>;
  uncovered: string[];
  seen: Record<string, number>;
}

type Json = Record<string, any>;

export function checkRecordings(recordings: Recording[], opts: { requireCoverage: boolean }): GuardReport {
  const doc = buildOpenApiDocument() as Json;
  // allErrors: every problem of a body at once (the recorded bodies are ours, bounded in size).
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: 'https://ocrlty.dev/openapi.json', components: doc.components });
  const validators = new Map<string, ReturnType<typeof ajv.compile>>();
  const validatorFor = (routeId: string, status: number) => {
    const key = `${routeId} ${status}`;
    if (validators.has(key)) return validators.get(key);
    const route = ROUTES.find((r) => r.id === routeId)!;
    const op = doc.paths[route.path][route.method.toLowerCase()];
    const response = op.responses[String(status)] ?? op.responses.default;
    const schema = response?.content?.['application/json']?.schema;
    const v = !schema
      ? undefined
      : ajv.compile(schema.$ref ? { $ref: `https://ocrlty.dev/openapi.json${String(schema.$ref)}` } : schema);
    validators.set(key, v!);
    return v;
  };

  const report: GuardReport = { checked: 0, invalid: [], uncovered: [], seen: {} };
  for (const r of recordings) {
    const routeId = r.routeId ?? 'no-route';
    const key = `${routeId} ${r.status}`;
    report.seen[key] = (report.seen[key] ?? 0) + 1;
    if (!r.routeId) {
      if (r.json !== undefined)
        validateAgainst(ajv.getSchema('https://ocrlty.dev/openapi.json#/components/schemas/ErrorBody')!, r, 'no-route', report);
      continue;
    }
    const route = ROUTES.find((x) => x.id === r.routeId);
    if (!route) {
      report.invalid.push({ route: routeId, status: r.status, path: r.path, errors: 'route is not in the route table' });
      continue;
    }
    const op = doc.paths[route.path]?.[route.method.toLowerCase()];
    if (!op) {
      report.invalid.push({ route: routeId, status: r.status, path: r.path, errors: 'route is not in the OpenAPI document' });
      continue;
    }
    const response = op.responses[String(r.status)];
    if (!response && r.status < 400) {
      report.invalid.push({ route: routeId, status: r.status, path: r.path, errors: 'success status not documented' });
      continue;
    }
    const declared = (response ?? op.responses.default).content ?? {};
    const mediaTypes = Object.keys(declared);
    const type = r.contentType.split(';')[0]!.trim().toLowerCase();
    if (mediaTypes.length > 0 && !mediaTypes.includes(type)) {
      report.invalid.push({
        route: routeId,
        status: r.status,
        path: r.path,
        errors: `content type ${type} not in ${mediaTypes.join(', ')}`,
      });
      continue;
    }
    const v = validatorFor(routeId, r.status);
    if (v) validateAgainst(v, r, routeId, report);
  }
  if (opts.requireCoverage) {
    for (const route of ROUTES) {
      const op = doc.paths[route.path][route.method.toLowerCase()];
      for (const status of Object.keys(op.responses)) {
        if (status === 'default') continue;
        if (!report.seen[`${route.id} ${status}`]) report.uncovered.push(`${route.method} ${route.path} (${route.id}) ${status}`);
      }
    }
  }
  return report;
}

function validateAgainst(v: (data: unknown) => boolean, r: Recording, routeId: string, report: GuardReport): void {
  report.checked++;
  if (r.json === undefined) {
    report.invalid.push({
      route: routeId,
      status: r.status,
      path: r.path,
      errors: `a JSON body was expected (${r.bytes} bytes of ${r.contentType})`,
    });
    return;
  }
  if (!v(r.json)) {
    const errors = ((v as any).errors ?? []).map(
      (e: any) =>
        `${e.instancePath || '/'} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`,
    );
    report.invalid.push({ route: routeId, status: r.status, path: r.path, errors: errors.join('; ') });
  }
}
