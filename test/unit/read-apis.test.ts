// Pieces of the read APIs that need no stack: CORS rules, config of the new variables, responses kept under
// the Lambda cap, and the backup's byte limit.
import { describe, expect, test } from 'vitest';
import { TarGzPacker } from '../../functions/adapters/archive/tar-gz.ts';
import { ConfigError, loadConfig } from '../../functions/config.ts';
import { fitForResponse, responseBytes } from '../../functions/core/runs/artifact-read.ts';
import { parseArtifactRel } from '../../functions/core/artifact-keys.ts';
import type { Principal } from '../../functions/core/auth/api-keys.ts';
import { type DebugDeps, exportDebugBackup } from '../../functions/core/debug/debug-artifacts.ts';
import type {
  ArtifactIndexEntry,
  ArtifactKind,
  ArtifactListQuery,
  LinkSigner,
  RunItemStore,
} from '../../functions/core/ports.ts';
import { corsHeaders, preflightHeaders } from '../../functions/http/cors.ts';
import { MemoryArtifactIndex, MemoryArtifactStore, fixedClock, quietLogger } from './fakes.ts';

const BASE = { S3_BUCKET: 'b', API_KEY_PEPPER: 'a-long-enough-pepper' };

describe('CORS', () => {
  const list = ['https://ui.example.com', 'http://localhost:5173'];

  test('an allowed origin is echoed, with Vary and the exposed request id, never credentials', () => {
    expect(corsHeaders('https://ui.example.com', list)).toEqual({
      'Access-Control-Allow-Origin': 'https://ui.example.com',
      'Access-Control-Expose-Headers': 'X-Request-ID',
      Vary: 'Origin',
    });
  });

  test('another origin gets only Vary; no allowlist means no CORS headers at all', () => {
    expect(corsHeaders('https://evil.example', list)).toEqual({ Vary: 'Origin' });
    expect(corsHeaders('https://ui.example.com', [])).toEqual({});
  });

  test('a wildcard allows any origin as "*" and never with credentials', () => {
    const headers = preflightHeaders('https://anything.example', ['*'], ['GET', 'POST']);
    expect(headers).toMatchObject({ 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'GET, POST, OPTIONS' });
    expect(headers).not.toHaveProperty('Access-Control-Allow-Credentials');
    expect(headers).not.toHaveProperty('Vary');
  });

  test('a preflight from an unlisted origin grants nothing', () => {
    expect(preflightHeaders('https://evil.example', list)).toEqual({ Vary: 'Origin' });
  });

  test('CORS_ALLOW_ORIGINS must hold origins, not URLs with paths', () => {
    expect(loadConfig({ ...BASE, CORS_ALLOW_ORIGINS: 'https://a.example/, *' }).corsAllowOrigins).toEqual([
      'https://a.example',
      '*',
    ]);
    expect(() => loadConfig({ ...BASE, CORS_ALLOW_ORIGINS: 'https://a.example/app' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...BASE, CORS_ALLOW_ORIGINS: 'a.example' })).toThrow(/CORS_ALLOW_ORIGINS/);
  });
});

describe('config of the read APIs', () => {
  test('has documented defaults and validates each variable', () => {
    const c = loadConfig(BASE);
    expect(c.debugTools).toEqual({ backupMaxObjects: 500, backupMaxBytes: 50 * 1024 * 1024 });
    expect(c.evaluation).toEqual({ amountTolerance: 0.01 });
    expect(c.maxResponseBytes).toBe(5_000_000);
    expect(() =>
      loadConfig({ ...BASE, DEBUG_BACKUP_MAX_OBJECTS: '0', MAX_RESPONSE_BYTES: '7000000', EVAL_AMOUNT_TOLERANCE: '-1' }),
    ).toThrow(/DEBUG_BACKUP_MAX_OBJECTS[\s\S]*EVAL_AMOUNT_TOLERANCE[\s\S]*MAX_RESPONSE_BYTES/);
  });
});

describe('parseArtifactRel', () => {
  test('names the kind, day and id of refs inside the layout only', () => {
    expect(parseArtifactRel('batches/2026-11-23/run-1.json')).toEqual({ kind: 'batch', day: '2026-11-23', id: 'run-1' });
    expect(parseArtifactRel('evals/2026-11-23/e.v1.json')).toEqual({ kind: 'eval', day: '2026-11-23', id: 'e.v1' });
    for (const bad of [
      'inputs/2026-11-23/x.json',
      'extracts/2026-11-23/../x.json',
      'extracts/2026-11-23/a/b.json',
      'extracts/x/y.json',
    ]) {
      expect(parseArtifactRel(bad)).toBeUndefined();
    }
  });
});

const links: LinkSigner = { presignGet: async (rel, opts) => `https://r2.example/${rel}?ttl=${opts.ttlS}` };

describe('fitForResponse', () => {
  const deps = { links, settings: { debugMode: false, maxResponseBytes: 2000, presignTtlS: 60 } };

  test('passes a small artifact through untouched', async () => {
    const small = { kind: 'batch', items: [1, 2, 3] };
    expect(await fitForResponse(deps, small, 'batches/2026-11-23/r.json')).toBe(small);
  });

  test('drops the biggest list of a large artifact and links to the whole object', async () => {
    const big = {
      kind: 'batch',
      run_id: 'r',
      summary: { total: 500 },
      items: Array.from({ length: 500 }, (_, i) => ({ seq: i })),
      error_list: [],
    };
    const out = await fitForResponse(deps, big, 'batches/2026-11-23/r.json', { hints: { items_url: '/v1/runs/r/items' } });
    expect(out).toMatchObject({ kind: 'batch', run_id: 'r', summary: { total: 500 }, items: null, error_list: [] });
    expect(out.truncated).toEqual({
      reason: 'The artifact is larger than the 2000-byte response limit',
      omitted: ['items'],
      download_url: 'https://r2.example/batches/2026-11-23/r.json?ttl=60',
      download_expires_in_s: 60,
      items_url: '/v1/runs/r/items',
    });
    expect(responseBytes(out)).toBeLessThanOrEqual(2000);
  });

  test('offers no link when the caller saw a redacted copy', async () => {
    const big = {
      kind: 'extract',
      raw_model_text: null,
      schema_errors: Array.from({ length: 300 }, () => ({ path: '/', message: 'x' })),
    };
    const out = await fitForResponse(deps, big, 'extracts/2026-11-23/x.json', { download: false });
    expect(out.truncated).not.toHaveProperty('download_url');
    expect(out.schema_errors).toBeNull();
  });
});

describe('exportDebugBackup', () => {
  class ListingIndex extends MemoryArtifactIndex {
    async list(_q: ArtifactListQuery) {
      return { entries: [] as ArtifactIndexEntry[] };
    }
    async getMany(kind: ArtifactKind, ids: string[]) {
      return ids.map((id) => this.rows.get(`${kind}#${id}`)).filter((e): e is ArtifactIndexEntry => e !== undefined);
    }
  }
  const principal: Principal = { keyId: 'dbg', role: 'debugger', scopes: ['debug:read_raw'] };

  async function setup() {
    const store = new MemoryArtifactStore();
    const index = new ListingIndex();
    for (let i = 0; i < 5; i++) {
      const rel = `extracts/2026-11-23/r${i}.json`;
      await store.putBytes(rel, Buffer.alloc(400, 'x'), 'application/json', { overwrite: false });
      await index.claim(
        {
          kind: 'extract',
          id: `r${i}`,
          ownerKeyId: i === 2 ? 'someone-else' : 'dbg',
          rel,
          day: '2026-11-23',
          createdAt: '',
          status: 'ok',
        },
        {
          overwrite: false,
        },
      );
    }
    const deps: DebugDeps = {
      index,
      store,
      runItems: {} as RunItemStore,
      links,
      packer: new TarGzPacker(),
      clock: fixedClock(),
      logger: quietLogger,
      settings: { debugMode: true, maxResponseBytes: 5_000_000, presignTtlS: 60, backupMaxObjects: 100, backupMaxBytes: 1000 },
    };
    return { deps, store };
  }

  test('takes the caller’s objects in listing order until the byte limit, and says it stopped', async () => {
    const { deps, store } = await setup();
    const out = await exportDebugBackup(deps, principal, { kind: 'extract' });
    // 400 + 400 fit in 1000 bytes, a third would not; r2 is someone else's and never considered.
    expect(out).toMatchObject({
      objects: 2,
      bytes: 800,
      truncated: true,
      limits: { max_objects: 100, max_bytes: 1000 },
      entries: ['extracts/2026-11-23/r0.json', 'extracts/2026-11-23/r1.json'],
    });
    expect(store.objects.has(String((out.archive as { rel: string }).rel))).toBe(true);
    expect(out.download_url).toMatch(/^https:\/\/r2\.example\/exports\/2026-11-23\/backup_/);
  });

  test('is refused outside debug mode and without debug:read_raw', async () => {
    const { deps } = await setup();
    await expect(
      exportDebugBackup({ ...deps, settings: { ...deps.settings, debugMode: false } }, principal, { kind: 'extract' }),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(exportDebugBackup(deps, { ...principal, scopes: ['extract:run'] }, { kind: 'extract' })).rejects.toMatchObject({
      code: 'forbidden',
    });
  });
});
