// The tar.gz packer of the debug backup, read back by an independent reader (tar-stream).
import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { describe, expect, test } from 'vitest';
import { TarGzPacker } from '../../functions/adapters/archive/tar-gz.ts';

async function readTar(tar: Buffer): Promise<Array<{ name: string; size: number; mtime: number; text: string }>> {
  const out: Array<{ name: string; size: number; mtime: number; text: string }> = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c) => chunks.push(c as Buffer));
      stream.on('end', () => {
        out.push({
          name: header.name,
          size: header.size ?? -1,
          mtime: header.mtime!.getTime(),
          text: Buffer.concat(chunks).toString('utf8'),
        });
        next();
      });
      stream.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  Readable.from([tar]).pipe(ex);
  await done;
  return out;
}

describe('TarGzPacker', () => {
  test('packs files that a standard tar reader gets back byte for byte, long and non-ASCII names included', async () => {
    const longName = `extracts/2026-11-23/${'r'.repeat(128)}.json`;
    const entries = [
      { name: 'manifest.json', bytes: Buffer.from('{"a":1}'), mtime: new Date('2026-11-23T10:00:00Z') },
      { name: longName, bytes: Buffer.alloc(1000, 'x') },
      { name: 'evals/2026-11-23/отчёт.json', bytes: Buffer.from('{}') },
      { name: 'empty.json', bytes: Buffer.alloc(0) },
    ];
    const gz = await new TarGzPacker().pack(entries);
    expect(gz.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const files = await readTar(gunzipSync(gz));
    expect(files.map((f) => [f.name, f.size])).toEqual([
      ['manifest.json', 7],
      [longName, 1000],
      ['evals/2026-11-23/отчёт.json', 2],
      ['empty.json', 0],
    ]);
    expect(files[0]!.text).toBe('{"a":1}');
    expect(files[0]!.mtime).toBe(Date.parse('2026-11-23T10:00:00Z'));
    expect(files[1]!.text).toBe('x'.repeat(1000));
  });
});
