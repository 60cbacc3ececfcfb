// Key management use cases behind the `ocrlty keys` CLI and the local admin bootstrap.
import { type ApiKeyRecord, ROLE_SCOPES, type Role, type Scope, assertKeyId, generateApiKey, hashApiKey } from './auth.ts';
import type { KeyStore } from './ports.ts';

export interface CreatedKey {
  record: ApiKeyRecord;
  /** The raw key: shown once, never stored. */
  apiKey: string;
}

/** Creates a key: validate the id → generate a random key → store only its HMAC hash. */
export async function createKey(
  keys: KeyStore,
  pepper: string,
  input: { keyId: string; role: Role; scopes?: Scope[]; now: Date },
): Promise<CreatedKey> {
  assertKeyId(input.keyId);
  const apiKey = generateApiKey();
  const record: ApiKeyRecord = {
    keyId: input.keyId,
    keyHash: hashApiKey(pepper, apiKey),
    role: input.role,
    scopes: input.scopes ?? ROLE_SCOPES[input.role],
    createdAt: input.now.toISOString(),
  };
  await keys.create(record);
  return { record, apiKey };
}

/** What listing shows: everything but the hash. */
export function describeKey(r: ApiKeyRecord): Record<string, unknown> {
  return {
    key_id: r.keyId,
    role: r.role,
    scopes: r.scopes,
    created_at: r.createdAt,
    revoked_at: r.revokedAt ?? null,
    status: r.revokedAt ? 'revoked' : 'active',
  };
}
