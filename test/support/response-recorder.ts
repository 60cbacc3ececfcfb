// Records every answer the local gateway gives during the suite (JSON lines under test-results/openapi/),
// so the OpenAPI guard (test/support/openapi-guard.ts) can validate real responses against the document.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RecordedResponse } from '../../infra/local/gateway.ts';

export const RECORDINGS_DIR = resolve(import.meta.dirname, '..', '..', 'test-results', 'openapi');

/** What the guard reads back: the body parsed when it is JSON, otherwise only its type and length. */
export interface Recording {
  routeId: string | null;
  method: string;
  path: string;
  status: number;
  contentType: string;
  json?: unknown;
  bytes: number;
}

/** Bodies bigger than this are recorded by type and length only (backups, big run artifacts stay checked by tests). */
const MAX_RECORDED_JSON = 2 * 1024 * 1024;

export function recordResponse(entry: RecordedResponse): void {
  const contentType = headerOf(entry.headers, 'content-type') ?? '';
  const rec: Recording = {
    routeId: entry.routeId,
    method: entry.method,
    path: entry.path,
    status: entry.status,
    contentType,
    bytes: entry.body.length,
  };
  if (/json/i.test(contentType) && entry.body.length > 0 && entry.body.length <= MAX_RECORDED_JSON) {
    try {
      rec.json = JSON.parse(entry.body.toString('utf8'));
    } catch {
      rec.json = { __unparseable_json__: true };
    }
  }
  mkdirSync(RECORDINGS_DIR, { recursive: true });
  appendFileSync(join(RECORDINGS_DIR, `responses-${process.pid}.jsonl`), `${JSON.stringify(rec)}\n`);
}

function headerOf(headers: Record<string, string>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}
