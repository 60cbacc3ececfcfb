// File names of an upload session: relative paths that become the tail of an object key, so they are
// checked and normalised before anything is signed or stored.

/** Longest name, in characters (after normalisation). */
export const MAX_NAME_CHARS = 512;
/** Longest name in UTF-8 bytes: the object key (prefix + name) must stay under S3's 1,024-byte limit. */
export const MAX_NAME_BYTES = 900;

export type NameCheck = { ok: true; name: string } | { ok: false; reason: string };

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * A client's file name as the session keeps it, or why it is refused.
 * Allowed: relative paths with `/` between segments. Refused: empty, a leading `/`, `\`, control
 * characters, a `..` segment, a trailing `/` (a folder), more than 512 characters or 900 UTF-8 bytes.
 * Normalised: Unicode NFC, empty and `.` segments dropped (`a//./b` → `a/b`), so two spellings of one
 * path are one name (and a duplicate).
 */
export function normaliseUploadName(raw: unknown): NameCheck {
  if (typeof raw !== 'string' || raw.length === 0) return { ok: false, reason: 'a name is required' };
  if (raw.length > MAX_NAME_CHARS * 2) return { ok: false, reason: `longer than ${MAX_NAME_CHARS} characters` };
  if (CONTROL.test(raw)) return { ok: false, reason: 'control characters are not allowed' };
  if (raw.includes('\\')) return { ok: false, reason: 'backslashes are not allowed (use "/")' };
  if (raw.startsWith('/')) return { ok: false, reason: 'absolute paths are not allowed' };
  if (raw.endsWith('/')) return { ok: false, reason: 'a name must end with a file name, not "/"' };
  const segments = raw
    .normalize('NFC')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { ok: false, reason: '".." is not allowed' };
  if (segments.length === 0) return { ok: false, reason: 'a name is required' };
  const name = segments.join('/');
  if (name.length > MAX_NAME_CHARS) return { ok: false, reason: `longer than ${MAX_NAME_CHARS} characters` };
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return { ok: false, reason: `longer than ${MAX_NAME_BYTES} UTF-8 bytes` };
  return { ok: true, name };
}

/** Names in the order object listings and DynamoDB sort keys use: UTF-8 bytes, not UTF-16 code units. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A name as error messages quote it: at most 120 characters (an error body stays small). */
export function quoteName(name: string): string {
  return `"${name.length > 120 ? `${name.slice(0, 117)}...` : name}"`;
}
