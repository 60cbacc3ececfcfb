// Key management use cases behind the `ocrlty keys` CLI and the local admin bootstrap.
import { type ApiKeyRecord, ROLE_SCOPES, type Role, type Scope, assertKeyId, generateApiKey, hashApiKey } from './api-keys.ts';
import type { KeyStore, UsageKeyRegistry } from '../ports.ts';

export interface CreatedKey {
  record: ApiKeyRecord;
  /** The raw key: shown once, never stored. */
  apiKey: string;
}

/**
 * Creates a key: validate the id → generate a random key → store only its HMAC hash (conditional put:
 * ConflictError for a taken key_id) → with per-key quotas, register its metering key in the role's usage
 * plan. If that registration fails the stored record is deleted again, so nothing half-made remains and
 * the same command can simply be re-run.
 */
export async function createKey(
  keys: KeyStore,
  pepper: string,
  input: { keyId: string; role: Role; scopes?: Scope[]; now: Date },
  usage?: UsageKeyRegistry,
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
  if (usage) {
    try {
      await usage.register(record);
    } catch (err) {
      const reason = errorMessage(err);
      try {
        await keys.delete(record.keyId);
      } catch (rollback) {
        throw new Error(
          `key_id "${record.keyId}" was stored but is not metered (usage plan registration failed: ${reason}) and ` +
            `removing it failed too (${errorMessage(rollback)}); revoke it with "ocrlty keys revoke --key-id ${record.keyId}"`,
          { cause: err },
        );
      }
      throw new Error(`usage plan registration failed, key_id "${record.keyId}" was not created (rolled back): ${reason}`, {
        cause: err,
      });
    }
  }
  return { record, apiKey };
}

/**
 * Revokes a key (idempotent) → with per-key quotas, deletes its metering key. The record is revoked
 * first, so the key stops working even if API Gateway fails; re-running the revoke retries the delete.
 * `metered` says whether a metering key was found and deleted (undefined without quotas).
 */
export async function revokeKey(
  keys: KeyStore,
  keyId: string,
  now: Date,
  usage?: UsageKeyRegistry,
): Promise<{ record: ApiKeyRecord; metered?: boolean }> {
  const record = await keys.revoke(keyId, now.toISOString());
  if (!usage) return { record };
  try {
    return { record, metered: await usage.unregister(keyId) };
  } catch (err) {
    throw new Error(
      `key_id "${keyId}" is revoked, but deleting its usage plan key failed: ${errorMessage(err)}; re-run the revoke to retry`,
      { cause: err },
    );
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
