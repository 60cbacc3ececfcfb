// Drill-down reads (seed §12 P0 item 3): an artifact found through the index, its owner checked, one object
// read from R2. Another owner's artifact, a ref outside the layout and a missing one all answer the same 404.
import {
  type ArtifactIndexEntry,
  type ArtifactIndex,
  type ArtifactIndexListing,
  type ArtifactKind,
  type ArtifactStore,
  type Clock,
  type LinkSigner,
  type Logger,
  type RunItemStore,
} from '../ports.ts';
import { type Principal, canAccess, hasScope } from '../auth/api-keys.ts';
import { isValidId, parseArtifactRel } from '../artifact-keys.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { requireEvalAccess } from '../eval/evaluate.ts';

/** Everything the read routes (runs, drill-down, debug, evals) use. */
export interface ReadDeps {
  index: ArtifactIndex & ArtifactIndexListing;
  store: ArtifactStore;
  runItems: RunItemStore;
  links: LinkSigner;
  clock: Clock;
  logger: Logger;
  settings: {
    debugMode: boolean;
    /** Largest response sent inline (the 6 MB Lambda response cap, escaping included). */
    maxResponseBytes: number;
    presignTtlS: number;
  };
}

const ID_FIELD: Record<ArtifactKind, string> = { extract: 'request_id', batch: 'run_id', eval: 'eval_id' };
const LABEL: Record<ArtifactKind, string> = { extract: 'Extract', batch: 'Run', eval: 'Eval' };

/** The index row of an artifact the principal may read; a 404 for anything else, whoever owns it. */
export async function ownedEntry(
  deps: Pick<ReadDeps, 'index'>,
  principal: Principal,
  kind: ArtifactKind,
  id: string,
): Promise<ArtifactIndexEntry> {
  const entry = isValidId(id) ? await deps.index.get(kind, id) : undefined;
  if (!entry || !canAccess(principal, entry.ownerKeyId)) {
    throw new NotFoundError(`${LABEL[kind]} "${id}" not found`, { [ID_FIELD[kind]]: id });
  }
  return entry;
}

/** Reads the object of an index row: 409 while it is still being produced, 404 if it is gone. */
export async function readEntry<T = Record<string, unknown>>(
  deps: Pick<ReadDeps, 'store'>,
  entry: ArtifactIndexEntry,
): Promise<T> {
  const artifact = await deps.store.getJson<T>(entry.rel);
  if (artifact !== undefined) return artifact;
  if (entry.status === 'pending') {
    throw new ConflictError(`${LABEL[entry.kind]} "${entry.id}" is still in progress; its artifact is written when it ends`, {
      [ID_FIELD[entry.kind]]: entry.id,
      status: 'running',
    });
  }
  throw new NotFoundError(`${LABEL[entry.kind]} "${entry.id}" not found`, { [ID_FIELD[entry.kind]]: entry.id });
}

/** `raw_model_text` is shown only to keys with "debug:read_raw" (admins have every scope); others get null. */
export function redactRaw<T extends Record<string, unknown>>(artifact: T, principal: Principal): T {
  if (!('raw_model_text' in artifact) || hasScope(principal, 'debug:read_raw')) return artifact;
  return { ...artifact, raw_model_text: null };
}

/** The size of `body` inside a Lambda proxy result, where it travels as an escaped JSON string. */
export function responseBytes(body: unknown): number {
  return Buffer.byteLength(JSON.stringify(JSON.stringify(body)), 'utf8');
}

/**
 * Keeps a response under the Lambda cap: a too-large artifact comes back without its biggest lists, with
 * `truncated` saying which, a presigned link to the whole object and any hints (e.g. the paginated items URL).
 */
export async function fitForResponse(
  deps: Pick<ReadDeps, 'links' | 'settings'>,
  artifact: Record<string, unknown>,
  rel: string,
  opts: { hints?: Record<string, string>; download?: boolean } = {},
): Promise<Record<string, unknown>> {
  const max = deps.settings.maxResponseBytes;
  if (responseBytes(artifact) <= max) return artifact;
  const out: Record<string, unknown> = { ...artifact };
  const omitted: string[] = [];
  const lists = Object.entries(artifact)
    .filter(([, v]) => Array.isArray(v))
    .map(([k, v]) => [k, JSON.stringify(v).length] as const)
    .sort((a, b) => b[1] - a[1]);
  for (const [k] of lists) {
    out[k] = null;
    omitted.push(k);
    if (responseBytes(out) <= max) break;
  }
  if (responseBytes(out) > max) {
    // Not even the lists were enough: keep the scalars only.
    for (const [k, v] of Object.entries(out)) {
      if (v !== null && typeof v === 'object') {
        out[k] = null;
        omitted.push(k);
      }
    }
  }
  const ttlS = deps.settings.presignTtlS;
  // A link gives the stored object as is, so none is offered when the caller saw a redacted copy.
  const download =
    opts.download === false
      ? {}
      : {
          download_url: await deps.links.presignGet(rel, { ttlS, filename: rel.split('/').pop()! }),
          download_expires_in_s: ttlS,
        };
  out.truncated = { reason: `The artifact is larger than the ${max}-byte response limit`, omitted, ...download, ...opts.hints };
  return out;
}

/**
 * GET /v1/extracts/{request_id}: the full extract artifact of the caller (any artifact for an admin).
 * 1. the index row (kind extract) — 404 when absent or another owner's   2. one read from R2
 * 3. `raw_model_text` null without "debug:read_raw"
 */
export async function getExtractArtifact(
  deps: ReadDeps,
  principal: Principal,
  requestId: string,
): Promise<Record<string, unknown>> {
  const entry = await ownedEntry(deps, principal, 'extract', requestId);
  const stored = await readEntry(deps, entry);
  const artifact = redactRaw(stored, principal);
  return fitForResponse(deps, artifact, entry.rel, { download: artifact === stored });
}

/**
 * GET /v1/artifacts?ref=<artifact_rel>: any artifact by its ref.
 * 1. the ref must be inside the layout (extracts|batches|evals/<day>/<id>.json, no "..") — else 404
 * 2. eval refs follow the eval routes' gate (debug mode, "debug:run")
 * 3. the index row of that kind and id must point at exactly this ref and belong to the caller — else 404
 * 4. one read; raw model text redacted; large artifacts shortened with a download link
 */
export async function getArtifactByRef(
  deps: ReadDeps,
  principal: Principal,
  ref: string | undefined,
): Promise<Record<string, unknown>> {
  // The ref is not echoed back: the answer is the same whatever was asked for.
  const notFound = () => new NotFoundError('No artifact at this ref');
  const parsed = ref === undefined ? undefined : parseArtifactRel(ref);
  if (!parsed || ref === undefined) throw notFound();
  if (parsed.kind === 'eval') requireEvalAccess(deps.settings.debugMode, principal);
  const entry = await deps.index.get(parsed.kind, parsed.id);
  if (!entry || entry.rel !== ref || !canAccess(principal, entry.ownerKeyId)) throw notFound();
  const stored = await readEntry(deps, entry);
  const artifact = redactRaw(stored, principal);
  return fitForResponse(deps, artifact, entry.rel, {
    download: artifact === stored,
    ...(parsed.kind === 'batch' ? { hints: { items_url: itemsUrl(parsed.id) } } : {}),
  });
}

export const itemsUrl = (runId: string): string => `/v1/runs/${encodeURIComponent(runId)}/items`;
