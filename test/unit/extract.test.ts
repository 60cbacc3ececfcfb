import { describe, expect, test } from 'vitest';
import { loadTaskCatalog } from '../../functions/adapters/task-files.ts';
import { ConflictError } from '../../functions/core/errors.ts';
import { type ExtractDeps, extractDocument } from '../../functions/core/extract/extract-document.ts';
import { ModelCallError } from '../../functions/core/ports.ts';
import { makePng } from '../support/images.ts';
import {
  FAKE_PAGES,
  fakeDocument,
  MemoryArtifactIndex,
  MemoryArtifactStore,
  ScriptedModel,
  fixedClock,
  quietLogger,
  VALID_RECEIPT_ANSWER,
} from './fakes.ts';

const tasks = loadTaskCatalog();
const receipt = tasks.get('receipt_fields_v1');
const VALID = VALID_RECEIPT_ANSWER;

async function prepare(steps: Array<string | Error>, settings: Partial<ExtractDeps['settings']> = {}) {
  const deps = {
    model: new ScriptedModel(steps),
    pages: FAKE_PAGES,
    store: new MemoryArtifactStore(),
    index: new MemoryArtifactIndex(),
    clock: fixedClock(),
    logger: quietLogger,
    settings: { allowOverwrite: false, maxRetries: 2, retryBaseMs: 100, ...settings },
  };
  const document = await fakeDocument(makePng(), receipt);
  return { deps, input: { task: receipt, document, requestId: 'req-1', ownerKeyId: 'alice', imageBase64Len: 999 } };
}

describe('extractDocument', () => {
  test('a valid answer is parsed, validated and kept as an artifact without the image', async () => {
    const { deps, input } = await prepare([VALID]);
    const out = await extractDocument(deps, input);
    expect(out.artifactRel).toBe('extracts/2026-11-23/req-1.json');
    expect(out.artifact).toMatchObject({ schema_valid: true, error: null, task_id: 'receipt_fields_v1', owner_key_id: 'alice' });
    expect(out.artifact.prompt.hash).toBe(receipt.promptHash);
    expect(out.artifact.input).toMatchObject({ mime_type: 'image/png', image_base64_len: 999 });
    const stored = await deps.store.getJson<Record<string, unknown>>(out.artifactRel);
    expect(stored?.parsed).toEqual(JSON.parse(VALID));
    expect(JSON.stringify(stored)).not.toContain(input.document.pages[0]!.bytes.toString('base64'));
    expect(deps.index.rows.get('extract#req-1')?.status).toBe('ok');
  });

  test('an answer that breaks the schema is kept with its schema errors', async () => {
    const { deps, input } = await prepare([JSON.stringify({ ...JSON.parse(VALID), currency: 'dollars', extra: 1 })]);
    const { artifact } = await extractDocument(deps, input);
    expect(artifact.schema_valid).toBe(false);
    expect(artifact.error).toBeNull();
    expect(artifact.schema_errors.map((e) => e.path)).toEqual(expect.arrayContaining(['/currency', '/']));
  });

  test('garbage is kept with invalid_model_output and the raw text', async () => {
    const { deps, input } = await prepare(['Sorry, I cannot help with that.']);
    const { artifact } = await extractDocument(deps, input);
    expect(artifact).toMatchObject({ schema_valid: false, parsed: null, raw_model_text: 'Sorry, I cannot help with that.' });
    expect(artifact.error?.code).toBe('invalid_model_output');
    expect(deps.index.rows.get('extract#req-1')?.status).toBe('error');
  });

  test('transient failures are retried with growing backoff and recorded in error_history', async () => {
    const { deps, input } = await prepare([
      new ModelCallError('unavailable', 'down', 502),
      new ModelCallError('throttled', 'slow down', 429),
      VALID,
    ]);
    const { artifact } = await extractDocument(deps, input);
    expect(artifact.schema_valid).toBe(true);
    expect(artifact.error_history.map((h) => [h.attempt, h.kind, h.upstream_status])).toEqual([
      [1, 'unavailable', 502],
      [2, 'throttled', 429],
    ]);
    const slept = deps.clock.slept;
    expect(slept).toHaveLength(2);
    expect(slept[0]).toBeGreaterThanOrEqual(50);
    expect(slept[1]).toBeGreaterThanOrEqual(100);
  });

  test('after the last retry the failure is kept as backend_unavailable', async () => {
    const fail = () => new ModelCallError('unavailable', 'down');
    const { deps, input } = await prepare([fail(), fail(), fail(), VALID]);
    const { artifact } = await extractDocument(deps, input);
    expect(artifact.error?.code).toBe('backend_unavailable');
    expect(artifact.error_history).toHaveLength(3);
    expect(deps.model.calls).toHaveLength(3);
    expect(deps.store.objects.has('extracts/2026-11-23/req-1.json')).toBe(true);
  });

  test('a timeout is not retried and is kept as inference_timeout', async () => {
    const { deps, input } = await prepare([new ModelCallError('timeout', 'too slow'), VALID]);
    const { artifact } = await extractDocument(deps, input);
    expect(artifact.error?.code).toBe('inference_timeout');
    expect(deps.model.calls).toHaveLength(1);
  });

  test('a reused request_id is a conflict and the first artifact is untouched', async () => {
    const { deps, input } = await prepare([VALID, 'garbage']);
    const first = await extractDocument(deps, input);
    const before = deps.store.objects.get(first.artifactRel)?.toString();
    await expect(extractDocument(deps, input)).rejects.toBeInstanceOf(ConflictError);
    expect(deps.store.objects.get(first.artifactRel)?.toString()).toBe(before);
    expect(deps.model.calls).toHaveLength(1);
  });

  test('with overwrite allowed a reused request_id replaces the artifact', async () => {
    const { deps, input } = await prepare([VALID, 'garbage'], { allowOverwrite: true });
    await extractDocument(deps, input);
    const second = await extractDocument(deps, input);
    expect(second.artifact.error?.code).toBe('invalid_model_output');
  });
});

describe('task catalog', () => {
  test('knows both tasks and pins each with a hash of prompt + schema', () => {
    expect(tasks.ids()).toEqual(['invoice_fields_v1', 'receipt_fields_v1']);
    expect(tasks.get('invoice_fields_v1').promptHash).toMatch(/^[0-9a-f]{64}$/);
    expect(tasks.get('invoice_fields_v1').promptHash).not.toBe(receipt.promptHash);
  });

  test('an unknown task id is a validation error naming the known ids', () => {
    expect(() => tasks.get('passport_v1')).toThrow(/Unknown task_id/);
  });
});
