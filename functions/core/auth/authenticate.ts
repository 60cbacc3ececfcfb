// Authentication: the API key from the request headers → the principal stored for its hash.
import { type Principal, ROLE_SCOPES, apiKeyFromHeaders, hashApiKey, hashesEqual } from './api-keys.ts';
import { UnauthorizedError } from '../errors.ts';
import type { KeyStore } from '../ports.ts';

export interface AuthenticateDeps {
  keys: KeyStore;
  settings: { authEnabled: boolean; apiKeyPepper: string };
}

/** With AUTH_ENABLED=0 (local experiments only) every caller is this admin. */
export const ANONYMOUS_ADMIN: Principal = { keyId: 'anonymous', role: 'admin', scopes: ROLE_SCOPES.admin };

/**
 * Resolves the caller. Steps: read the key (Bearer or X-API-Key) → HMAC it with the pepper → look the
 * hash up → compare in constant time → refuse revoked keys. Every failure is the same 401, so a
 * caller cannot tell an unknown key from a revoked one.
 */
export async function authenticate(
  deps: AuthenticateDeps,
  headers: Record<string, string | undefined> | null | undefined,
): Promise<Principal> {
  if (!deps.settings.authEnabled) return ANONYMOUS_ADMIN;
  const apiKey = apiKeyFromHeaders(headers);
  if (!apiKey || apiKey.length > 512) {
    throw new UnauthorizedError('Send an API key as "Authorization: Bearer <key>" or "X-API-Key: <key>"');
  }
  const hash = hashApiKey(deps.settings.apiKeyPepper, apiKey);
  const record = await deps.keys.findByHash(hash);
  if (!record || !hashesEqual(record.keyHash, hash) || record.revokedAt) throw new UnauthorizedError();
  return { keyId: record.keyId, role: record.role, scopes: record.scopes };
}
