// Debug artifact routes (seed §8.7): only with DEBUG_MODE=1 and the "debug:read_raw" scope. Listing goes
// through the bucket listing (S3 list), each page's owners checked in the artifact index in one batch read;
// the backup is a bounded tar.gz written to R2 and handed out as a short-lived presigned link.
import { randomBytes } from 'node:crypto';
import { type Principal, hasScope, isAdmin } from '../auth/api-keys.ts';
import { EXPORTS_PREFIX, FOLDER_OF_KIND, dayOf, parseArtifactRel } from '../artifact-keys.ts';
import { type ReadDeps, ownedEntry, readEntry } from '../runs/artifact-read.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import type { ArchivePacker, ArtifactIndexEntry, ArtifactKind, StoredObject } from '../ports.ts';

export interface DebugDeps extends ReadDeps {
  packer: ArchivePacker;
  settings: ReadDeps['settings'] & { backupMaxObjects: number; backupMaxBytes: number };
}

/** Keys one listing request may examine before it answers (a page may then hold fewer than `limit`). */
export const DEBUG_LIST_MAX_SCAN = 5000;
/** Keys one backup may examine while looking for the caller's objects. */
export const BACKUP_MAX_SCAN = 50_000;

/** Debug routes do not exist without DEBUG_MODE=1 (404, as if absent) and need "debug:read_raw" (403). */
export function requireDebugRead(debugMode: boolean, principal: Principal): void {
  if (!debugMode) throw new NotFoundError('Not found');
  if (!hasScope(principal, 'debug:read_raw')) {
    throw new ForbiddenError('This API key lacks the "debug:read_raw" scope', { required_scope: 'debug:read_raw' });
  }
}

export interface DebugListQuery {
  kind: ArtifactKind;
  day?: string;
  limit: number;
  cursor?: string;
}

export interface ListedArtifact {
  kind: ArtifactKind;
  id: string;
  artifact_rel: string;
  day: string;
  size: number;
  last_modified: string | null;
  owner_key_id: string | null;
  status: ArtifactIndexEntry['status'] | null;
}

function listPrefix(kind: ArtifactKind, day: string | undefined): string {
  return `${FOLDER_OF_KIND[kind]}/${day ? `${day}/` : ''}`;
}

/** The listing cursor: the last key examined, tied to the filter it was made for. */
function encodeListCursor(q: Pick<DebugListQuery, 'kind' | 'day'>, after: string): string {
  return Buffer.from(JSON.stringify({ k: q.kind, d: q.day ?? null, a: after }), 'utf8').toString('base64url');
}

function decodeListCursor(q: Pick<DebugListQuery, 'kind' | 'day'>, cursor: string): string {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  const c = v as { k?: unknown; d?: unknown; a?: unknown } | undefined;
  const after = typeof c?.a === 'string' ? c.a : '';
  const ok =
    c !== undefined &&
    c !== null &&
    c.k === q.kind &&
    c.d === (q.day ?? null) &&
    after.startsWith(listPrefix(q.kind, q.day)) &&
    parseArtifactRel(after)?.kind === q.kind;
  if (!ok) throw new ValidationError('cursor is not valid');
  return after;
}

/**
 * Walks the bucket listing under the kind's folder (and day) from `startAfter`, yielding the objects the
 * principal may see: an admin sees every artifact object; anyone else only those whose index row is theirs
 * and points at exactly that key. Stops after `maxScan` keys; `last` is the last key examined.
 */
async function* visibleObjects(
  deps: Pick<ReadDeps, 'store' | 'index'>,
  principal: Principal,
  q: Pick<DebugListQuery, 'kind' | 'day'>,
  startAfter: string | undefined,
  maxScan: number,
): AsyncGenerator<{ object: StoredObject; listed: ListedArtifact }, { exhausted: boolean; last: string | undefined }> {
  const prefix = listPrefix(q.kind, q.day);
  const admin = isAdmin(principal);
  let after = startAfter;
  let scanned = 0;
  for (;;) {
    const page = await deps.store.list(prefix, {
      limit: Math.min(1000, maxScan - scanned),
      ...(after ? { startAfter: after } : {}),
    });
    const parsed = page.objects.map((o) => ({ object: o, ref: parseArtifactRel(o.rel) }));
    const ids = parsed.filter((p) => p.ref?.kind === q.kind).map((p) => p.ref!.id);
    const rows = new Map((await deps.index.getMany(q.kind, ids)).map((e) => [e.id, e]));
    for (const { object, ref } of parsed) {
      scanned++;
      after = object.rel;
      if (!ref || ref.kind !== q.kind) continue;
      const row = rows.get(ref.id);
      const mine = row !== undefined && row.rel === object.rel && row.ownerKeyId === principal.keyId;
      if (!admin && !mine) continue;
      yield {
        object,
        listed: {
          kind: ref.kind,
          id: ref.id,
          artifact_rel: object.rel,
          day: ref.day,
          size: object.size,
          last_modified: object.lastModified ?? null,
          owner_key_id: row?.ownerKeyId ?? null,
          status: row?.status ?? null,
        },
      };
    }
    // The store's own continuation token is not handed out: the next request resumes with StartAfter on
    // the last key examined, which the cursor carries and which can be checked.
    if (!page.cursor || page.objects.length === 0) return { exhausted: true, last: after };
    if (scanned >= maxScan) return { exhausted: false, last: after };
  }
}

/**
 * GET /v1/debug/artifacts?kind&day&limit&cursor: artifact objects in key order (day, then id) from the bucket
 * listing, the caller's own (all for an admin). The cursor resumes after the last key examined.
 */
export async function listDebugArtifacts(
  deps: DebugDeps,
  principal: Principal,
  q: DebugListQuery,
): Promise<{ artifacts: ListedArtifact[]; next_cursor: string | null }> {
  requireDebugRead(deps.settings.debugMode, principal);
  const startAfter = q.cursor ? decodeListCursor(q, q.cursor) : undefined;
  const artifacts: ListedArtifact[] = [];
  const walk = visibleObjects(deps, principal, q, startAfter, DEBUG_LIST_MAX_SCAN);
  for (;;) {
    const step = await walk.next();
    if (step.done) {
      const { exhausted, last } = step.value;
      return { artifacts, next_cursor: exhausted || !last ? null : encodeListCursor(q, last) };
    }
    artifacts.push(step.value.listed);
    if (artifacts.length >= q.limit) {
      // One more step tells whether anything follows, so the last page has no cursor.
      const more = await walk.next();
      await walk.return({ exhausted: false, last: undefined });
      const end = more.done === true && more.value.exhausted;
      return { artifacts, next_cursor: end ? null : encodeListCursor(q, step.value.object.rel) };
    }
  }
}

/** GET /v1/debug/artifacts/{request_id}: the extract artifact as stored, raw model text included. */
export async function getDebugArtifact(
  deps: DebugDeps,
  principal: Principal,
  requestId: string,
): Promise<Record<string, unknown>> {
  requireDebugRead(deps.settings.debugMode, principal);
  return readEntry(deps, await ownedEntry(deps, principal, 'extract', requestId));
}

/** GET /v1/debug/artifacts/{request_id}/raw: only the model's raw answer. */
export async function getDebugRaw(deps: DebugDeps, principal: Principal, requestId: string): Promise<Record<string, unknown>> {
  requireDebugRead(deps.settings.debugMode, principal);
  const entry = await ownedEntry(deps, principal, 'extract', requestId);
  const artifact = await readEntry<{ raw_model_text?: unknown }>(deps, entry);
  return { request_id: entry.id, artifact_rel: entry.rel, raw_model_text: artifact.raw_model_text ?? null };
}

export const exportRel = (day: string, exportId: string, extension: string): string =>
  `${EXPORTS_PREFIX}${day}/${exportId}.${extension}`;

/**
 * GET /v1/debug/artifacts/backup.tar.gz?kind&day&limit: a bounded export of the caller's artifacts
 * (everyone's for an admin), never larger than the Lambda response because it is not in the response.
 * 1. walk the listing as GET /v1/debug/artifacts does, taking objects while they fit both limits
 *    (DEBUG_BACKUP_MAX_OBJECTS or `limit`, DEBUG_BACKUP_MAX_BYTES uncompressed)
 * 2. read them, pack them with a manifest.json, write `exports/<day>/<export_id>.tar.gz` to R2
 * 3. answer with a presigned GET link (S3_PRESIGN_TTL_S), the counts, the limits and what was included
 */
export async function exportDebugBackup(
  deps: DebugDeps,
  principal: Principal,
  q: { kind: ArtifactKind; day?: string; limit?: number },
): Promise<Record<string, unknown>> {
  requireDebugRead(deps.settings.debugMode, principal);
  const maxObjects = Math.min(q.limit ?? deps.settings.backupMaxObjects, deps.settings.backupMaxObjects);
  const maxBytes = deps.settings.backupMaxBytes;
  const chosen: Array<{ object: StoredObject; listed: ListedArtifact }> = [];
  let bytes = 0;
  let truncated = false;
  const walk = visibleObjects(deps, principal, q, undefined, BACKUP_MAX_SCAN);
  for (;;) {
    const step = await walk.next();
    if (step.done) {
      truncated ||= !step.value.exhausted;
      break;
    }
    if (chosen.length >= maxObjects || bytes + step.value.object.size > maxBytes) {
      truncated = true;
      await walk.return({ exhausted: false, last: undefined });
      break;
    }
    chosen.push(step.value);
    bytes += step.value.object.size;
  }

  const files = await mapLimit(chosen, 8, async (c) => ({ c, bytes: await deps.store.getBytes(c.object.rel) }));
  const present = files.filter((f): f is { c: (typeof chosen)[number]; bytes: Buffer } => f.bytes !== undefined);
  const now = deps.clock.now();
  const exportId = `backup_${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}_${randomBytes(4).toString('hex')}`;
  const limits = { max_objects: maxObjects, max_bytes: maxBytes };
  const manifest = {
    export_id: exportId,
    created_at: now.toISOString(),
    key_id: principal.keyId,
    filter: { kind: q.kind, day: q.day ?? null },
    limits,
    truncated,
    objects: present.map((f) => ({ ...f.c.listed, size: f.bytes.length })),
  };
  const archive = await deps.packer.pack([
    { name: 'manifest.json', bytes: Buffer.from(JSON.stringify(manifest, null, 2), 'utf8'), mtime: now },
    ...present.map((f) => ({
      name: f.c.object.rel,
      bytes: f.bytes,
      mtime: f.c.object.lastModified ? new Date(f.c.object.lastModified) : now,
    })),
  ]);
  const rel = exportRel(dayOf(now), exportId, deps.packer.extension);
  await deps.store.putBytes(rel, archive, deps.packer.contentType, { overwrite: false });
  const ttlS = deps.settings.presignTtlS;
  const url = await deps.links.presignGet(rel, { ttlS, filename: `${exportId}.${deps.packer.extension}` });
  deps.logger.info('debug_backup_written', {
    export_id: exportId,
    key_id: principal.keyId,
    objects: present.length,
    bytes,
    truncated,
  });
  return {
    export_id: exportId,
    download_url: url,
    expires_in_s: ttlS,
    expires_at: new Date(now.getTime() + ttlS * 1000).toISOString(),
    archive: { rel, content_type: deps.packer.contentType, bytes: archive.length },
    filter: { kind: q.kind, day: q.day ?? null },
    objects: present.length,
    bytes: present.reduce((n, f) => n + f.bytes.length, 0),
    truncated,
    limits,
    entries: present.map((f) => f.c.object.rel),
  };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
