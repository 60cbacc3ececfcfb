// `ocrlty keys` in cloud mode with per-key quotas (docs/deploy.md "Per-key quotas"): the real CLI against
// an embedded dynalite (KEYS_TABLE + DYNAMODB_ENDPOINT_URL) and a recording server that speaks enough of
// API Gateway's REST-JSON protocol (AWS_ENDPOINT_URL_API_GATEWAY) — the exact calls for create and revoke,
// the rollback when the usage plan refuses the key, and the configuration errors.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { usageKeyValue } from '../../functions/core/auth/api-keys.ts';
import { TABLES } from '../../functions/tables.ts';
import { type Emulator, createTables, startDynalite } from '../../infra/local/emulators.ts';
import { localTableNames } from '../../infra/local/stack.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const PLANS = { client: 'planclient1', debugger: 'plandebug2', admin: 'planadmin3' };

interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

let recorded: Recorded[] = [];
/** API keys the fake API Gateway holds: id → name. */
let apiKeys = new Map<string, string>();
let nextId = 0;
let refuseUsagePlanKey = false;
let server: Server;
let dynalite: Emulator;
let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ocrlty-usage-'));
  dynalite = await startDynalite(dataDir);
  const tables = localTableNames();
  await createTables(dynalite.endpoint, TABLES, tables);

  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://apigateway');
      const text = Buffer.concat(chunks).toString('utf8');
      recorded.push({
        method: req.method!,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: text ? JSON.parse(text) : undefined,
      });
      const json = (status: number, body: unknown, type?: string) => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...(type ? { 'x-amzn-ErrorType': type } : {}) });
        res.end(JSON.stringify(body));
      };
      let m: RegExpMatchArray | null;
      if (req.method === 'POST' && url.pathname === '/apikeys') {
        const { name } = JSON.parse(text) as { name: string };
        const id = `gwkey${++nextId}`;
        apiKeys.set(id, name);
        return json(201, { id, name, enabled: true });
      }
      if (req.method === 'POST' && (m = url.pathname.match(/^\/usageplans\/([^/]+)\/keys$/))) {
        if (refuseUsagePlanKey) return json(404, { message: `Invalid Usage Plan ID specified` }, 'NotFoundException');
        const { keyId } = JSON.parse(text) as { keyId: string };
        return json(201, { id: keyId, type: 'API_KEY', name: apiKeys.get(keyId) });
      }
      if (req.method === 'GET' && url.pathname === '/apikeys') {
        const prefix = url.searchParams.get('name') ?? '';
        const items = [...apiKeys].filter(([, name]) => name.startsWith(prefix)).map(([id, name]) => ({ id, name }));
        return json(200, { item: items });
      }
      if (req.method === 'DELETE' && (m = url.pathname.match(/^\/apikeys\/([^/]+)$/))) {
        apiKeys.delete(m[1]!);
        res.writeHead(202).end();
        return;
      }
      return json(400, { message: `unexpected ${req.method} ${url.pathname}` }, 'BadRequestException');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    KEYS_TABLE: tables.KEYS_TABLE,
    DYNAMODB_ENDPOINT_URL: dynalite.endpoint,
    AWS_ENDPOINT_URL_API_GATEWAY: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
    API_KEY_PEPPER: 'cli-usage-test-pepper-0123456789',
    USAGE_PLAN_IDS: JSON.stringify(PLANS),
    STAGE: 'dev',
  };
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await dynalite.close();
  rmSync(dataDir, { recursive: true, force: true });
});
beforeEach(() => {
  recorded = [];
  refuseUsagePlanKey = false;
});

async function cli(extraEnv: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const out = await run(process.execPath, ['bin/ocrlty.mjs', ...args], { cwd: ROOT, env: { ...env, ...extraEnv } });
    return { code: 0, ...out };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('ocrlty keys with per-key quotas', () => {
  test('create makes the metering API key and adds it to the role plan; revoke deletes exactly that key', async () => {
    // Two keys whose names share a prefix, so revoke must match the name exactly.
    const [acme, acme2] = await Promise.all([
      cli({}, 'keys', 'create', '--key-id', 'acme', '--role', 'client', '--json'),
      cli({}, 'keys', 'create', '--key-id', 'acme2', '--role', 'debugger', '--json'),
    ]);
    expect(acme.code, acme.stderr).toBe(0);
    expect(acme2.code, acme2.stderr).toBe(0);
    expect(JSON.parse(acme.stdout)).toMatchObject({
      key_id: 'acme',
      role: 'client',
      usage_plan_id: 'planclient1',
      usage_key_name: 'ocrlty-dev-acme',
    });
    const idOf = (name: string) => [...apiKeys].find(([, n]) => n === name)?.[0];
    const acmeCalls = recorded.filter(
      (r) => (r.body as { name?: string }).name === 'ocrlty-dev-acme' || r.path === '/usageplans/planclient1/keys',
    );
    expect(acmeCalls).toEqual([
      {
        method: 'POST',
        path: '/apikeys',
        query: {},
        body: {
          name: 'ocrlty-dev-acme',
          value: usageKeyValue('dev', 'acme'),
          enabled: true,
          description: 'OCRlty client key acme: meters it in the client usage plan',
        },
      },
      {
        method: 'POST',
        path: '/usageplans/planclient1/keys',
        query: {},
        body: { keyId: idOf('ocrlty-dev-acme'), keyType: 'API_KEY' },
      },
    ]);
    expect(recorded.filter((r) => r.path === '/usageplans/plandebug2/keys')).toEqual([
      {
        method: 'POST',
        path: '/usageplans/plandebug2/keys',
        query: {},
        body: { keyId: idOf('ocrlty-dev-acme2'), keyType: 'API_KEY' },
      },
    ]);
    expect(recorded).toHaveLength(4);

    recorded = [];
    const acmeId = idOf('ocrlty-dev-acme');
    const revoked = await cli({}, 'keys', 'revoke', '--key-id', 'acme', '--json');
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ key_id: 'acme', status: 'revoked', usage_key_deleted: true });
    expect(recorded).toEqual([
      {
        method: 'GET',
        path: '/apikeys',
        query: { name: 'ocrlty-dev-acme', limit: '500', includeValues: 'false' },
        body: undefined,
      },
      { method: 'DELETE', path: `/apikeys/${acmeId}`, query: {}, body: undefined },
    ]);
    expect([...apiKeys.values()]).toEqual(['ocrlty-dev-acme2']);
  });

  test('when the usage plan refuses the key, nothing remains: API key deleted, table row rolled back, exit 1', async () => {
    refuseUsagePlanKey = true;
    const failed = await cli({}, 'keys', 'create', '--key-id', 'beta', '--role', 'admin');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('usage plan registration failed, key_id "beta" was not created (rolled back)');
    expect(failed.stdout).not.toContain('ocr_');
    const betaId = `gwkey${nextId}`;
    expect(recorded).toEqual([
      { method: 'POST', path: '/apikeys', query: {}, body: expect.objectContaining({ name: 'ocrlty-dev-beta' }) },
      { method: 'POST', path: '/usageplans/planadmin3/keys', query: {}, body: { keyId: betaId, keyType: 'API_KEY' } },
      { method: 'DELETE', path: `/apikeys/${betaId}`, query: {}, body: undefined },
    ]);
    expect([...apiKeys.values()]).not.toContain('ocrlty-dev-beta');

    // The same command works once the plan accepts keys.
    refuseUsagePlanKey = false;
    const retried = await cli({}, 'keys', 'create', '--key-id', 'beta', '--role', 'admin', '--json');
    expect(retried.code, retried.stderr).toBe(0);
    expect(JSON.parse(retried.stdout)).toMatchObject({ key_id: 'beta', usage_plan_id: 'planadmin3' });
  });

  test('bad USAGE_PLAN_IDS or a missing STAGE fail before anything is written; without USAGE_PLAN_IDS API Gateway is untouched', async () => {
    const [noStage, badPlans, plain] = await Promise.all([
      cli({ STAGE: '' }, 'keys', 'create', '--key-id', 'gamma', '--role', 'client'),
      cli({ USAGE_PLAN_IDS: '{"client":"a1"}' }, 'keys', 'create', '--key-id', 'gamma', '--role', 'client'),
      cli({ USAGE_PLAN_IDS: '' }, 'keys', 'create', '--key-id', 'delta', '--role', 'client', '--json'),
    ]);
    expect(noStage).toMatchObject({ code: 1 });
    expect(noStage.stderr).toContain('STAGE (e.g. dev) is required with USAGE_PLAN_IDS');
    expect(badPlans).toMatchObject({ code: 1 });
    expect(badPlans.stderr).toContain('missing or invalid: debugger, admin');
    expect(plain.code, plain.stderr).toBe(0);
    expect(JSON.parse(plain.stdout)).not.toHaveProperty('usage_plan_id');
    expect(recorded).toEqual([]);
    const listed = JSON.parse((await cli({}, 'keys', 'list', '--json')).stdout) as { key_id: string }[];
    expect(listed.map((k) => k.key_id)).not.toContain('gamma');
  });
});
