// Normalisation benchmark: time to turn an input into the pages the model sees (sniff, probe, decode,
// orient, resize, encode, hash), for a 12 MP phone JPEG (EXIF 6 + GPS), an iPhone-style HEIC and the
// 2-page invoice PDF; bytes and visual tokens before and after. Results: bench/README.md "Normalisation".
//
//   node bin/node22.mjs --import tsx bench/normalise.ts        # BENCH_RUNS=30
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LibraryDocumentDecoder } from '../functions/adapters/images/decoder.ts';
import { DEFAULT_PIXEL_BUDGET, visualTokens } from '../functions/core/images/budget.ts';
import { checkInput } from '../functions/core/images/image.ts';
import { type NormaliseRequest, normaliseDocument } from '../functions/core/images/normalise.ts';
import { addIrot } from '../test/fixtures/documents/heif-irot.ts';
import { makePhotoJpeg } from '../test/support/documents.ts';
import { processorSize } from '../test/support/fake-vllm-vision.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const ROOT = join(import.meta.dirname, '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'documents');
const request: NormaliseRequest = {
  budget: DEFAULT_PIXEL_BUDGET,
  context: { maxModelLen: 4096, maxTokens: 1024, minPageTokens: 640, maxDocumentPages: 8 },
  promptText: readFileSync(join(ROOT, 'prompts', 'receipt_fields_v1.md'), 'utf8'),
  limits: { maxImagePixels: 50_000_000 },
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/**
 * A 12 MP (4032×3024) iPhone-style HEIC, made once with Debian's heif-enc (about a minute) and kept in
 * tmp/; undefined when heif-enc is not installed.
 */
async function iphoneHeic12mp(): Promise<Buffer | undefined> {
  const file = join(ROOT, 'tmp', 'bench-iphone-12mp.heic');
  if (existsSync(file)) return readFileSync(file);
  if (spawnSync('heif-enc', ['--help']).error) return undefined;
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  const jpeg = join(ROOT, 'tmp', 'bench-sideways-12mp.jpg');
  writeFileSync(jpeg, await makePhotoJpeg({ width: 3024, height: 4032, orientation: 6 }));
  const r = spawnSync('heif-enc', ['-q', '50', jpeg, '-o', `${file}.plain`]);
  if (r.status !== 0) throw new Error(`heif-enc failed: ${r.stderr}`);
  writeFileSync(file, addIrot(readFileSync(`${file}.plain`), 3));
  return readFileSync(file);
}

async function main(): Promise<void> {
  const bigHeic = await iphoneHeic12mp();
  const inputs = [
    {
      name: '12 MP phone JPEG (EXIF 6 + GPS)',
      bytes: await makePhotoJpeg({ width: 3000, height: 4000, orientation: 6, gps: true }),
    },
    { name: 'iPhone-style HEIC 768×1024 (irot + EXIF 6)', bytes: readFileSync(join(FIXTURES, 'receipt-iphone.heic')) },
    { name: '2-page invoice PDF (A4)', bytes: readFileSync(join(FIXTURES, 'invoice.pdf')) },
    ...(bigHeic ? [{ name: '12 MP iPhone-style HEIC 4032×3024 (irot + EXIF 6)', bytes: bigHeic }] : []),
  ];
  const decoder = new LibraryDocumentDecoder();
  const normalise = (bytes: Buffer) =>
    normaliseDocument(decoder, checkInput(bytes, undefined, { maxImageBytes: 25_000_000 }), request);
  const rows = [];
  for (const input of inputs) {
    const first = await normalise(input.bytes); // warm-up (loads the libraries)
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await normalise(input.bytes);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    // "Before": what the model would spend on the input as uploaded (its processor's own resize; a PDF
    // cannot be sent at all, so its pages at 150 dpi stand in).
    const before =
      first.original.mime_type === 'application/pdf'
        ? first.original.pages *
          visualTokens(processorSize((first.original.width * 150) / 72, (first.original.height * 150) / 72))
        : visualTokens(processorSize(first.original.width, first.original.height));
    rows.push({
      input: input.name,
      bytesBefore: input.bytes.length,
      bytesAfter: first.pages.reduce((s, p) => s + p.byteLength, 0),
      pages: first.pages.map((p) => `${p.width}×${p.height}`).join(' + '),
      tokensBefore: before,
      tokensAfter: first.pages.reduce((s, p) => s + p.visualTokens, 0),
      promptEstimate: first.plan.promptTokensEstimate,
      p50: percentile(times, 50),
      p95: percentile(times, 95),
    });
  }
  const kb = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MB` : `${(n / 1024).toFixed(0)} KB`);
  const lines = [
    `node ${process.version} ${process.arch}; ${JSON.stringify(decoder.versions)}; ${RUNS} runs after one warm-up`,
    '',
    '| input | bytes in → sent | sent pages | visual tokens in → sent | prompt estimate | p50 | p95 |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.input} | ${kb(r.bytesBefore)} → ${kb(r.bytesAfter)} | ${r.pages} | ${r.tokensBefore.toLocaleString('en')} → ${r.tokensAfter.toLocaleString('en')} | ${r.promptEstimate} | ${r.p50.toFixed(0)} ms | ${r.p95.toFixed(0)} ms |`,
    ),
  ];
  console.log(lines.join('\n'));
  writeFileSync(
    join(ROOT, 'bench', 'results-normalise.json'),
    `${JSON.stringify({ versions: decoder.versions, rows }, null, 2)}\n`,
  );
}

await main();
