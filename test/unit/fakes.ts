// In-memory port fakes for unit tests of the core.
import { createHash } from 'node:crypto';
import type { TaskDefinition } from '../../functions/core/extract/task-catalog.ts';
import type { Size } from '../../functions/core/images/budget.ts';
import { checkInput } from '../../functions/core/images/image.ts';
import type { DocumentDecoder, NormalisedDocument, ProbedDocument } from '../../functions/core/images/normalise.ts';
import { type PagePipeline, normaliseForTask } from '../../functions/core/images/pipeline.ts';
import type { ApiKeyRecord } from '../../functions/core/auth/api-keys.ts';
import { ConflictError, NotFoundError } from '../../functions/core/errors.ts';
import type {
  ArtifactIndex,
  ArtifactIndexEntry,
  ArtifactKind,
  RunIndexSummary,
  ArtifactStore,
  Clock,
  KeyStore,
  Logger,
  ModelAnswer,
  ModelClient,
  ModelRequest,
  StoredObject,
} from '../../functions/core/ports.ts';

export class MemoryKeyStore implements KeyStore {
  readonly records = new Map<string, ApiKeyRecord>();
  async create(record: ApiKeyRecord) {
    if (this.records.has(record.keyId)) throw new ConflictError('exists');
    this.records.set(record.keyId, { ...record });
  }
  async findByHash(hash: string) {
    return [...this.records.values()].find((r) => r.keyHash === hash);
  }
  async get(keyId: string) {
    return this.records.get(keyId);
  }
  async list() {
    return [...this.records.values()];
  }
  async revoke(keyId: string, at: string) {
    const r = this.records.get(keyId);
    if (!r) throw new NotFoundError();
    r.revokedAt ??= at;
    return r;
  }
  async delete(keyId: string) {
    this.records.delete(keyId);
  }
}

export class MemoryArtifactIndex implements ArtifactIndex {
  readonly rows = new Map<string, ArtifactIndexEntry>();
  async claim(entry: ArtifactIndexEntry, opts: { overwrite: boolean }) {
    const k = `${entry.kind}#${entry.id}`;
    if (this.rows.has(k) && !opts.overwrite) throw new ConflictError(`${entry.id} was already used`);
    this.rows.set(k, { ...entry });
  }
  async complete(kind: ArtifactKind, id: string, status: 'ok' | 'error', run?: RunIndexSummary) {
    const row = this.rows.get(`${kind}#${id}`);
    if (row) {
      row.status = status;
      if (run) row.run = { ...run };
    }
  }
  async release(kind: ArtifactKind, id: string) {
    this.rows.delete(`${kind}#${id}`);
  }
  async get(kind: ArtifactKind, id: string) {
    return this.rows.get(`${kind}#${id}`);
  }
}

export class MemoryArtifactStore implements ArtifactStore {
  readonly objects = new Map<string, Buffer>();
  async putJson(rel: string, body: unknown, opts: { overwrite: boolean }) {
    await this.putBytes(rel, Buffer.from(JSON.stringify(body)), 'application/json', opts);
  }
  async getJson<T>(rel: string) {
    const b = this.objects.get(rel);
    return b ? (JSON.parse(b.toString()) as T) : undefined;
  }
  async putBytes(rel: string, bytes: Uint8Array, _type: string, opts: { overwrite: boolean }) {
    if (this.objects.has(rel) && !opts.overwrite) throw new ConflictError('exists');
    this.objects.set(rel, Buffer.from(bytes));
  }
  async getBytes(rel: string) {
    return this.objects.get(rel);
  }
  async delete(rel: string) {
    this.objects.delete(rel);
  }
  async list(prefix: string, opts: { limit: number }) {
    const objects: StoredObject[] = [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .slice(0, opts.limit)
      .map(([rel, b]) => ({ rel, size: b.length }));
    return { objects };
  }
}

/** A model that plays a script: each call takes the next step (an answer text or an error to throw). */
export class ScriptedModel implements ModelClient {
  readonly backend = 'scripted';
  readonly model = 'scripted-model';
  calls: ModelRequest[] = [];
  constructor(private readonly steps: Array<string | Error>) {}
  async complete(request: ModelRequest): Promise<ModelAnswer> {
    this.calls.push(request);
    const step = this.steps.shift();
    if (step === undefined) throw new Error('script exhausted');
    if (step instanceof Error) throw step;
    return { text: step, model: this.model, usage: { total_tokens: 10 } };
  }
  async ping() {}
}

export const fixedClock = (iso = '2026-11-23T10:00:00.000Z'): Clock & { slept: number[] } => {
  const slept: number[] = [];
  return { now: () => new Date(iso), sleep: async (ms) => void slept.push(ms), slept };
};

export const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A model answer valid against receipt_fields_v1. */
export const VALID_RECEIPT_ANSWER = JSON.stringify({
  merchant_name: 'Shop',
  merchant_address: null,
  date: '2025-01-31',
  time: null,
  currency: 'USD',
  subtotal: 10,
  tax: 1,
  tip: null,
  total: 11,
  payment_method: null,
  line_items: [],
});

/**
 * A page decoder for unit tests of the core: a PNG's size is read from its header, any other input is a
 * 100×100 page, and each "rendered" page is a short text naming its size and the input's hash.
 */
export class FakeDocumentDecoder implements DocumentDecoder {
  readonly versions = { fake: '1' };
  async probe(bytes: Buffer): Promise<ProbedDocument> {
    const png = bytes.length > 24 && bytes.toString('latin1', 1, 4) === 'PNG';
    const size = png ? { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) } : { width: 100, height: 100 };
    return { pageCount: 1, pages: [size] };
  }
  async render(bytes: Buffer, _mime: string, sizes: readonly Size[]): Promise<Buffer[]> {
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
    return sizes.map((s, i) => Buffer.from(`page ${i + 1} ${s.width}x${s.height} of ${hash}`));
  }
}

/** The normalisation step with the fake decoder and the seed's context (4096 tokens). */
export const FAKE_PAGES: PagePipeline = {
  decoder: new FakeDocumentDecoder(),
  context: { maxModelLen: 4096, maxTokens: 1024, minPageTokens: 640, maxDocumentPages: 8 },
  maxImagePixels: 1e7,
};

/** Checked and normalised input for a task, through the fake decoder. */
export function fakeDocument(bytes: Buffer, task: TaskDefinition): Promise<NormalisedDocument> {
  return normaliseForTask(FAKE_PAGES, checkInput(bytes, undefined, { maxImageBytes: 1e6 }), task);
}
