// Documents made in code for the image-pipeline tests: photo-like receipts (noise, texture, real text
// rendered with the system's fonts), EXIF-rotated and GPS-tagged variants, multi-page TIFFs and PDFs.
import sharp from 'sharp';

export const RECEIPT_LINES = [
  'CORNER MARKET',
  '12 Harbour Street, Leith',
  '2025-03-14  18:42',
  'Sourdough loaf        1 x 3.80   3.80',
  'Oat milk 1L           2 x 1.95   3.90',
  'Free range eggs 6     1 x 2.60   2.60',
  'Dark chocolate 70%    3 x 1.25   3.75',
  'Apples (kg)        0.85 x 2.40   2.04',
  'SUBTOTAL                        16.09',
  'VAT 20%                          3.22',
  'TOTAL GBP                       19.31',
  'VISA **** 4242          APPROVED',
  'Thank you for shopping with us!',
];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An SVG of dark receipt text on a transparent background (rendered by librsvg with fontconfig's fonts). */
export function receiptTextSvg(width: number, height: number, lines: readonly string[] = RECEIPT_LINES): Buffer {
  // Monospace glyphs are ~0.6 em wide: the longest line takes 84% of the width at most.
  const longest = Math.max(...lines.map((l) => l.length));
  const fontSize = Math.round(Math.min(height / (lines.length * 2.2), (width * 0.84) / (longest * 0.6)));
  const lineHeight = Math.round(fontSize * 1.6);
  const top = Math.round((height - lineHeight * lines.length) / 2) + fontSize;
  const text = lines
    .map((l, i) => `<text x="${Math.round(width * 0.08)}" y="${top + i * lineHeight}">${escapeXml(l)}</text>`)
    .join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" xml:space="preserve" width="${width}" height="${height}">` +
      `<g font-family="DejaVu Sans Mono, monospace" font-size="${fontSize}" fill="#1a1a1a">${text}</g></svg>`,
  );
}

export interface PhotoOptions {
  width?: number;
  height?: number;
  /** Stored sideways with this EXIF orientation (6 = the viewer turns it 90° clockwise). */
  orientation?: 1 | 6;
  /** Writes GPS tags (a phone's location) into the EXIF. */
  gps?: boolean;
  quality?: number;
  seed?: number;
}

/**
 * Photo-like paper: an uneven light falling across the frame plus grain, made with a seeded LCG (fast,
 * deterministic, and as hard to compress as a real photo).
 */
export function paperTexture(width: number, height: number, seed = 1): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  let state = (seed * 2654435761) >>> 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const light = 196 + 28 * Math.sin((x / width) * Math.PI) * Math.cos((y / height - 0.4) * 1.2);
      const grain = (state >>> 27) - 16;
      const v = light + grain;
      const i = (y * width + x) * 3;
      raw[i] = v + 6;
      raw[i + 1] = v + 2;
      raw[i + 2] = v - 8;
    }
  }
  return raw;
}

/**
 * A phone-photo-like receipt JPEG: paper texture (noise), a dark band across the top of the upright
 * picture (so tests can tell up from down) and real text. 4000×3000 at quality 90 is ≈ 3.5 MB.
 */
export async function makePhotoJpeg(opts: PhotoOptions = {}): Promise<Buffer> {
  const width = opts.width ?? 3000;
  const height = opts.height ?? 4000;
  const paper = paperTexture(width, height, opts.seed ?? 1);
  const band = await sharp({
    create: { width, height: Math.round(height / 12), channels: 3, background: '#202020' },
  })
    .png()
    .toBuffer();
  let image = sharp(paper, { raw: { width, height, channels: 3 } }).composite([
    { input: band, top: 0, left: 0 },
    { input: receiptTextSvg(width, height), top: 0, left: 0 },
  ]);
  // Upright content stored the way a phone held sideways writes it: turned 90° anticlockwise, with
  // orientation 6 telling viewers to turn it back.
  if (opts.orientation === 6) {
    // The SVG overlay makes the composite RGBA: keep the channel count the raw pixels really have.
    const { data, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    image = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).rotate(270);
  }
  let out = image.jpeg({ quality: opts.quality ?? 90 });
  if (opts.orientation === 6) out = out.withMetadata({ orientation: 6 });
  if (opts.gps) {
    out = out.withExifMerge({
      IFD0: { Make: 'OCRltyTestPhone', Model: 'Fixture 1' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '55/1 58/1 3/1', GPSLongitudeRef: 'W', GPSLongitude: '3/1 10/1 27/1' },
    });
  }
  return out.toBuffer();
}

/** A clean scan-like receipt page (white paper, text) as PNG or JPEG, e.g. for TIFF pages and HEIC sources. */
export async function makeReceiptPage(width: number, height: number, lines: readonly string[] = RECEIPT_LINES): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([{ input: receiptTextSvg(width, height, lines), top: 0, left: 0 }])
    .png()
    .toBuffer();
}

/** A multi-page TIFF: each page a receipt page whose first line names its number. */
export async function makeMultiPageTiff(pages: number, width = 800, height = 1100): Promise<Buffer> {
  const raws = await Promise.all(
    Array.from({ length: pages }, async (_, i) =>
      sharp(await makeReceiptPage(width, height, [`PAGE ${i + 1}`, ...RECEIPT_LINES]))
        .raw()
        .toBuffer(),
    ),
  );
  return sharp(Buffer.concat(raws), { raw: { width, height: height * pages, channels: 3, pageHeight: height } })
    .tiff({ compression: 'lzw' })
    .toBuffer();
}
