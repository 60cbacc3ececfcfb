import { describe, expect, test } from 'vitest';
import { scopesFor } from '../../infra/cli/keys.ts';
import {
  ROLE_SCOPES,
  apiKeyFromHeaders,
  canAccess,
  generateApiKey,
  hashApiKey,
  hashesEqual,
  parseScopes,
  requireScope,
  usageKeyName,
  usageKeyValue,
} from '../../functions/core/auth/api-keys.ts';
import { ANONYMOUS_ADMIN, authenticate } from '../../functions/core/auth/authenticate.ts';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../../functions/core/errors.ts';
import { createKey, revokeKey } from '../../functions/core/auth/manage-keys.ts';
import type { UsageKeyRegistry } from '../../functions/core/ports.ts';
import { makeAuthorizerHandler } from '../../functions/handlers/authorizer.ts';
import { MemoryKeyStore, quietLogger } from './fakes.ts';

const PEPPER = 'unit-test-pepper-0123456789';

describe('API key hashing', () => {
  test('hashes are HMAC-SHA256 hex, stable for a pepper and different across peppers', () => {
    const key = generateApiKey();
    expect(hashApiKey(PEPPER, key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(PEPPER, key)).toBe(hashApiKey(PEPPER, key));
    expect(hashApiKey(`${PEPPER}x`, key)).not.toBe(hashApiKey(PEPPER, key));
  });

  test('generated keys are long, URL-safe and unique', () => {
    const keys = new Set(Array.from({ length: 100 }, generateApiKey));
    expect(keys.size).toBe(100);
    for (const k of keys) expect(k).toMatch(/^ocr_[A-Za-z0-9_-]{43}$/);
  });

  test('hashesEqual compares equal-length hex and rejects different or empty values', () => {
    const h = hashApiKey(PEPPER, 'a');
    expect(hashesEqual(h, h)).toBe(true);
    expect(hashesEqual(h, hashApiKey(PEPPER, 'b'))).toBe(false);
    expect(hashesEqual(h, h.slice(0, 10))).toBe(false);
    expect(hashesEqual('', '')).toBe(false);
  });
});

describe('reading the key from headers', () => {
  test('accepts Authorization: Bearer in any header case', () => {
    expect(apiKeyFromHeaders({ authorization: 'Bearer abc' })).toBe('abc');
    expect(apiKeyFromHeaders({ Authorization: 'bearer   abc ' })).toBe('abc');
  });

  test('accepts X-API-Key when no bearer is given', () => {
    expect(apiKeyFromHeaders({ 'X-Api-Key': 'k1' })).toBe('k1');
  });

  test('ignores other authorization schemes and empty headers', () => {
    expect(apiKeyFromHeaders({ authorization: 'Basic Zm9vOmJhcg==' })).toBeUndefined();
    expect(apiKeyFromHeaders({ 'x-api-key': '  ' })).toBeUndefined();
    expect(apiKeyFromHeaders(null)).toBeUndefined();
  });
});

describe('scopes and roles', () => {
  test('roles map to the seed scopes', () => {
    expect(ROLE_SCOPES.client).toEqual(['extract:run']);
    expect(ROLE_SCOPES.debugger).toEqual(['extract:run', 'debug:run', 'debug:read_raw']);
    expect(ROLE_SCOPES.admin).toContain('admin');
  });

  test('parseScopes takes CSV or a JSON array and refuses unknown scopes', () => {
    expect(parseScopes('extract:run, debug:run')).toEqual(['extract:run', 'debug:run']);
    expect(parseScopes('["debug:read_raw"]')).toEqual(['debug:read_raw']);
    expect(() => parseScopes('extract:run,root')).toThrow(ValidationError);
    expect(() => parseScopes('[broken')).toThrow(ValidationError);
  });

  test('requireScope refuses a key without the scope and lets admin through', () => {
    const client = { keyId: 'c', role: 'client' as const, scopes: ROLE_SCOPES.client };
    expect(() => requireScope(client, 'debug:run')).toThrow(ForbiddenError);
    expect(() => requireScope(client, 'extract:run')).not.toThrow();
    expect(() => requireScope(ANONYMOUS_ADMIN, 'debug:read_raw')).not.toThrow();
  });

  test('owner isolation: a client sees only its own, an admin sees all', () => {
    const client = { keyId: 'c', role: 'client' as const, scopes: ROLE_SCOPES.client };
    const admin = { keyId: 'a', role: 'admin' as const, scopes: ROLE_SCOPES.admin };
    expect(canAccess(client, 'c')).toBe(true);
    expect(canAccess(client, 'other')).toBe(false);
    expect(canAccess(client, undefined)).toBe(false);
    expect(canAccess(admin, 'other')).toBe(true);
  });
});

describe('authenticate', () => {
  async function prepare() {
    const keys = new MemoryKeyStore();
    const created = await createKey(keys, PEPPER, { keyId: 'alice', role: 'client', now: new Date() });
    return { keys, apiKey: created.apiKey, deps: { keys, settings: { authEnabled: true, apiKeyPepper: PEPPER } } };
  }

  test('a valid key resolves to its principal; only the hash was stored', async () => {
    const { deps, apiKey, keys } = await prepare();
    const principal = await authenticate(deps, { authorization: `Bearer ${apiKey}` });
    expect(principal).toEqual({ keyId: 'alice', role: 'client', scopes: ['extract:run'] });
    expect(JSON.stringify(await keys.list())).not.toContain(apiKey);
  });

  test('missing, unknown and revoked keys are all 401', async () => {
    const { deps, apiKey, keys } = await prepare();
    await expect(authenticate(deps, {})).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(authenticate(deps, { 'x-api-key': 'ocr_wrong' })).rejects.toBeInstanceOf(UnauthorizedError);
    await keys.revoke('alice', new Date().toISOString());
    await expect(authenticate(deps, { 'x-api-key': apiKey })).rejects.toBeInstanceOf(UnauthorizedError);
  });

  test('with AUTH_ENABLED=0 everyone is the anonymous admin', async () => {
    const { keys } = await prepare();
    const principal = await authenticate({ keys, settings: { authEnabled: false, apiKeyPepper: '' } }, {});
    expect(principal).toBe(ANONYMOUS_ADMIN);
  });
});

describe('per-key quotas', () => {
  test('usageKeyValue is sha256hex("ocrlty-usage:" + stage + ":" + key_id), distinct per stage and key', () => {
    // echo -n 'ocrlty-usage:dev:acme' | sha256sum
    expect(usageKeyValue('dev', 'acme')).toBe('5f300c5e0754ea009115f4004c4ec06b0a02ef7e6b5ba1ad3422f957e8241e90');
    expect(usageKeyValue('prod', 'acme')).not.toBe(usageKeyValue('dev', 'acme'));
    expect(usageKeyValue('dev', 'acme2')).not.toBe(usageKeyValue('dev', 'acme'));
    expect(usageKeyName('dev', 'acme')).toBe('ocrlty-dev-acme');
  });

  test('the authorizer result names the usage key of the caller in usageIdentifierKey', async () => {
    const keys = new MemoryKeyStore();
    const { apiKey } = await createKey(keys, PEPPER, { keyId: 'acme', role: 'client', now: new Date() });
    const handler = makeAuthorizerHandler(async () => ({
      keys,
      logger: quietLogger,
      stage: 'dev',
      settings: { authEnabled: true, apiKeyPepper: PEPPER },
    }));
    const result = await handler({
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/dev/POST/v1/extract',
      headers: { Authorization: `Bearer ${apiKey}` },
    } as unknown as Parameters<typeof handler>[0]);
    expect(result).toMatchObject({
      principalId: 'acme',
      usageIdentifierKey: '5f300c5e0754ea009115f4004c4ec06b0a02ef7e6b5ba1ad3422f957e8241e90',
      context: { key_id: 'acme', role: 'client' },
    });
    expect(result.policyDocument.Statement[0]).toMatchObject({
      Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/dev/*',
    });
  });

  const registry = (fail?: 'register' | 'unregister') => {
    const calls: string[] = [];
    const usage: UsageKeyRegistry = {
      async register(record) {
        calls.push(`register ${record.keyId} ${record.role}`);
        if (fail === 'register') throw new Error('AccessDenied');
      },
      async unregister(keyId) {
        calls.push(`unregister ${keyId}`);
        if (fail === 'unregister') throw new Error('TooManyRequests');
        return true;
      },
    };
    return { usage, calls };
  };

  test('createKey stores the key, then registers it; a failed registration removes the record again', async () => {
    const keys = new MemoryKeyStore();
    const ok = registry();
    await createKey(keys, PEPPER, { keyId: 'acme', role: 'client', now: new Date() }, ok.usage);
    expect(ok.calls).toEqual(['register acme client']);
    expect(keys.records.has('acme')).toBe(true);

    const failing = registry('register');
    await expect(createKey(keys, PEPPER, { keyId: 'beta', role: 'debugger', now: new Date() }, failing.usage)).rejects.toThrow(
      /usage plan registration failed, key_id "beta" was not created \(rolled back\): AccessDenied/,
    );
    expect(keys.records.has('beta')).toBe(false);

    // A duplicate key_id is refused before API Gateway is called.
    const dup = registry();
    await expect(createKey(keys, PEPPER, { keyId: 'acme', role: 'client', now: new Date() }, dup.usage)).rejects.toThrow(
      'exists',
    );
    expect(dup.calls).toEqual([]);
  });

  test('revokeKey revokes first, then deletes the usage key; a failure leaves the key revoked', async () => {
    const keys = new MemoryKeyStore();
    await createKey(keys, PEPPER, { keyId: 'acme', role: 'client', now: new Date() });
    const failing = registry('unregister');
    await expect(revokeKey(keys, 'acme', new Date(), failing.usage)).rejects.toThrow(
      /is revoked, but deleting its usage plan key failed/,
    );
    expect(keys.records.get('acme')?.revokedAt).toBeDefined();
    const ok = registry();
    expect(await revokeKey(keys, 'acme', new Date(), ok.usage)).toMatchObject({ metered: true, record: { keyId: 'acme' } });
    expect(await revokeKey(keys, 'acme', new Date())).not.toHaveProperty('metered');
  });
});

describe('ocrlty keys create: --scopes and --add-scopes', () => {
  test('no option: the role’s defaults (undefined lets createKey pick them)', () => {
    expect(scopesFor('debugger')).toBeUndefined();
  });
  test('--scopes replaces the role’s scopes', () => {
    expect(scopesFor('debugger', 'extract:run,debug:run')).toEqual(['extract:run', 'debug:run']);
  });
  test('--add-scopes adds to the role’s scopes, without duplicates', () => {
    expect(scopesFor('client', undefined, 'debug:read_raw,extract:run')).toEqual(['extract:run', 'debug:read_raw']);
  });
  test('both: --scopes first, then --add-scopes', () => {
    expect(scopesFor('admin', 'extract:run', '["debug:run"]')).toEqual(['extract:run', 'debug:run']);
  });
  test('an unknown scope is refused', () => {
    expect(() => scopesFor('client', undefined, 'debug:everything')).toThrowError(/unknown scopes/);
  });
});
