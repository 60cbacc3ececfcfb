// Page-encoding benchmark: which encoding of the sent pages keeps small receipt text legible at the
// fewest bytes. Each generated receipt is sized for the task budget exactly as the pipeline does, then
// encoded as PNG (lossless) and as JPEG at several qualities; legibility is measured two ways against
// the lossless page: SSIM (ssim.js) and OCR character accuracy (Tesseract, when installed: Debian
// `tesseract-ocr`). Results: bench/README.md "Page encoding".
//
//   node bin/node22.mjs --import tsx bench/page-encoding.ts
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ssim } from 'ssim.js';
import { encodePage, resizeTo } from '../functions/adapters/images/decoder.ts';
import { DEFAULT_PIXEL_BUDGET, fitPage } from '../functions/core/images/budget.ts';
import type { PageEncoding } from '../functions/core/images/normalise.ts';
import { RECEIPT_LINES, paperTexture, receiptTextSvg } from '../test/support/documents.ts';

const ENCODINGS: Array<{ name: string; encoding: PageEncoding }> = [
  { name: 'PNG (lossless)', encoding: { format: 'png' } },
  { name: 'JPEG q95', encoding: { format: 'jpeg', quality: 95 } },
  { name: 'JPEG q90', encoding: { format: 'jpeg', quality: 90 } },
  { name: 'JPEG q85', encoding: { format: 'jpeg', quality: 85 } },
  { name: 'JPEG q80', encoding: { format: 'jpeg', quality: 80 } },
  { name: 'JPEG q70', encoding: { format: 'jpeg', quality: 70 } },
  { name: 'JPEG q50', encoding: { format: 'jpeg', quality: 50 } },
];

/** Receipt lines repeated to `n` lines: more lines on the same photo = smaller text once resized. */
function lines(n: number): string[] {
  return Array.from({ length: n }, (_, i) => RECEIPT_LINES[i % RECEIPT_LINES.length]!);
}

interface Sample {
  name: string;
  lines: string[];
  /** The source at full size (PNG). */
  source: Buffer;
}

async function photoReceipt(n: number, width = 3000, height = 4000): Promise<Sample> {
  const text = lines(n);
  const source = await sharp(paperTexture(width, height, n), { raw: { width, height, channels: 3 } })
    .composite([{ input: receiptTextSvg(width, height, text), top: 0, left: 0 }])
    .png({ compressionLevel: 1 })
    .toBuffer();
  return { name: `photo 12 MP, ${n} lines`, lines: text, source };
}

async function scanReceipt(n: number, width = 1240, height = 3508): Promise<Sample> {
  const text = lines(n);
  const source = await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([{ input: receiptTextSvg(width, height, text), top: 0, left: 0 }])
    .png()
    .toBuffer();
  return { name: `long scan ${width}×${height}, ${n} lines`, lines: text, source };
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
const HAS_TESSERACT = spawnSync('tesseract', ['--version']).status === 0;
const work = mkdtempSync(join(tmpdir(), 'ocrlty-encoding-'));

function ocrAccuracy(image: Buffer, truth: string[], ext: string): number | undefined {
  if (!HAS_TESSERACT) return undefined;
  const file = join(work, `page.${ext}`);
  writeFileSync(file, image);
  const r = spawnSync('tesseract', [file, 'stdout', '--psm', '6', '-l', 'eng'], { encoding: 'utf8' });
  const expected = squash(truth.join(' '));
  return 1 - levenshtein(squash(r.stdout ?? ''), expected) / expected.length;
}

async function rgba(image: Buffer) {
  const { data, info } = await sharp(image).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

interface Row {
  sample: string;
  size: string;
  encoding: string;
  bytes: number;
  ssim: number;
  ocr?: number;
}

async function main(): Promise<void> {
  const samples = [await photoReceipt(13), await photoReceipt(40), await photoReceipt(60), await scanReceipt(90)];
  const rows: Row[] = [];
  for (const sample of samples) {
    const meta = await sharp(sample.source).metadata();
    const size = fitPage({ width: meta.width, height: meta.height }, DEFAULT_PIXEL_BUDGET);
    const lossless = await encodePage(resizeTo(sharp(sample.source), size), { format: 'png' });
    const reference = await rgba(lossless);
    for (const { name, encoding } of ENCODINGS) {
      const encoded = await encodePage(resizeTo(sharp(sample.source), size), encoding);
      const score = ssim(reference, await rgba(encoded)).mssim;
      const ocr = ocrAccuracy(encoded, sample.lines, encoding.format === 'png' ? 'png' : 'jpg');
      rows.push({
        sample: sample.name,
        size: `${size.width}×${size.height}`,
        encoding: name,
        bytes: encoded.length,
        ssim: score,
        ...(ocr !== undefined ? { ocr } : {}),
      });
      console.error(
        `${sample.name} ${name}: ${encoded.length} B, SSIM ${score.toFixed(4)}${ocr !== undefined ? `, OCR ${(ocr * 100).toFixed(1)}%` : ''}`,
      );
    }
  }
  rmSync(work, { recursive: true, force: true });
  const table = [
    `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}; OCR: ${HAS_TESSERACT ? spawnSync('tesseract', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] : 'tesseract not installed'}`,
    '',
    '| sample | sent size | encoding | bytes | SSIM vs lossless | OCR char accuracy |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.sample} | ${r.size} | ${r.encoding} | ${(r.bytes / 1024).toFixed(0)} KB | ${r.ssim.toFixed(4)} | ${r.ocr !== undefined ? `${(r.ocr * 100).toFixed(1)} %` : 'n/a'} |`,
    ),
  ];
  console.log(table.join('\n'));
  writeFileSync(join(import.meta.dirname, 'results-page-encoding.json'), `${JSON.stringify(rows, null, 2)}\n`);
}

await main();
