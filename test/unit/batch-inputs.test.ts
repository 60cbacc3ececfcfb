// Inputs of a batch: paths under the data root that cannot escape it, glob/ext selection, and the
// multipart parser (order, limits, the CVE-2022-24434 header).
import { describe, expect, test } from 'vitest';
import {
  dataRootPath,
  compileGlob,
  normaliseExts,
  safeRelativePath,
  selectsImage,
} from '../../functions/core/batch/data-root.ts';
import { parseMultipart } from '../../functions/http/multipart.ts';
import { multipart } from '../support/batch.ts';

describe('safeRelativePath', () => {
  test.each([
    ['smoke/images', 'smoke/images'],
    ['./smoke//images/', 'smoke/images'],
    ['.', ''],
    ['', ''],
  ])('%j is %j', (input, expected) => expect(safeRelativePath('images_dir', input)).toBe(expected));

  test.each(['..', 'a/../../b', '/abs', 'C:/x', 'c:\\x', 'a\\b', '~/x', 'a\u0000b'])('%j is refused with a 400', (input) => {
    expect(() => safeRelativePath('images_dir', input)).toThrowError(
      expect.objectContaining({ statusCode: 400, code: 'validation_error' }),
    );
  });
});

describe('dataRootPath (seed-style absolute paths)', () => {
  test.each([
    ['/data/batch_smoke/images', 'batch_smoke/images'],
    ['//data/batch_smoke/images/', 'batch_smoke/images'],
    ['/data', ''],
    ['/data/', ''],
    ['batch_smoke/images', 'batch_smoke/images'],
  ])('%j under DATA_ROOT=data is %j', (input, expected) => expect(dataRootPath('images_dir', input, 'data')).toBe(expected));

  test('a nested data root maps the same way', () => {
    expect(dataRootPath('gt_path', '/inbox/2026/gt.json', 'inbox/2026')).toBe('gt.json');
  });

  test.each(['/workspace/src/data', '/database/x', '/data/../secrets', '/etc/passwd'])(
    '%j is a 400 that says how to address the data root',
    (input) => {
      let err: unknown;
      try {
        dataRootPath('images_dir', input, 'data');
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ statusCode: 400, code: 'validation_error' });
      const message = (err as Error).message;
      if (!input.includes('..')) {
        expect(message).toContain('relative to the data root');
        expect(message).toContain('"/data/batch_smoke/images"');
        expect(message).toContain('npx ocrlty data put');
      }
    },
  );
});

describe('glob and exts', () => {
  test('** crosses folders, * and ? stay within one, {a,b} alternates, dots are literal', () => {
    const all = compileGlob('**/*');
    expect(['a.png', 'x/y/a.png'].every((p) => all.test(p))).toBe(true);
    const top = compileGlob('*.png');
    expect(top.test('a.png')).toBe(true);
    expect(top.test('x/a.png')).toBe(false);
    expect(compileGlob('receipt_??.{png,jpg}').test('receipt_07.jpg')).toBe(true);
    expect(compileGlob('a.png').test('aXpng')).toBe(false);
    expect(compileGlob('img/**/r*.png').test('img/r1.png')).toBe(true);
    expect(compileGlob('img/**/r*.png').test('img/2025/01/r1.png')).toBe(true);
  });

  test('the linear matcher agrees with the glob grammar on edge cases', () => {
    expect(compileGlob('**').test('a/b/c.png')).toBe(true);
    expect(compileGlob('**/').test('a/')).toBe(true);
    expect(compileGlob('{a,}b.png').test('b.png')).toBe(true);
    expect(compileGlob('{a,}b.png').test('ab.png')).toBe(true);
    expect(compileGlob('x,y}.png').test('x,y}.png')).toBe(true);
    expect(compileGlob('{a,{b}.png').test('{b.png')).toBe(true);
    expect(compileGlob('?').test('/')).toBe(false);
    expect(compileGlob('*').test('')).toBe(true);
    expect(() => compileGlob('{a,b')).toThrowError(expect.objectContaining({ statusCode: 400 }));
    expect(() => compileGlob('*'.repeat(257))).toThrowError(expect.objectContaining({ statusCode: 400 }));
  });

  test('a pathological glob is matched without backtracking', () => {
    const glob = compileGlob(`${'{*,*}'.repeat(50)}Q`);
    for (let i = 0; i < 100; i++) expect(glob.test(`receipt_${'x'.repeat(200)}_${i}.png`)).toBe(false);
  });

  test('extensions are normalised and matched case-insensitively', () => {
    expect(normaliseExts(['.PNG', 'jpg', 'png'])).toEqual(['png', 'jpg']);
    expect(normaliseExts(undefined)).toEqual(['png', 'jpg', 'jpeg', 'webp', 'pdf', 'tif', 'tiff', 'heic', 'heif']);
    expect(() => normaliseExts(['p/ng'])).toThrow();
    expect(selectsImage('A.JPG', compileGlob('**/*'), ['jpg'])).toBe(true);
    expect(selectsImage('notes.txt', compileGlob('**/*'), ['jpg'])).toBe(false);
  });
});

describe('parseMultipart', () => {
  const limits = { maxFiles: 3, maxBytes: 100, fileFields: ['files'], extraFileFields: ['gt'] };
  const file = (name: string, body: string, type = 'image/png') => ({
    name: 'files',
    filename: name,
    type,
    bytes: Buffer.from(body),
  });

  test('keeps fields, and repeated files in the order they were sent', async () => {
    const { body, contentType } = multipart([
      file('b.png', 'BB'),
      { name: 'task_id', value: 'receipt_fields_v1' },
      file('a.png', 'A'),
      file('c/../../etc/c.png', 'CCC', 'application/octet-stream'),
    ]);
    const out = await parseMultipart(body, contentType, limits);
    expect(out.fields).toEqual({ task_id: 'receipt_fields_v1' });
    expect(out.files.map((f) => [f.filename, f.bytes.toString(), f.mimeType])).toEqual([
      ['b.png', 'BB', 'image/png'],
      ['a.png', 'A', 'image/png'],
      ['c.png', 'CCC', 'application/octet-stream'],
    ]);
  });

  test('too many files is 413 too_many_files; too many bytes is 413 payload_too_large', async () => {
    const many = multipart([file('1', 'a'), file('2', 'b'), file('3', 'c'), file('4', 'd')]);
    await expect(parseMultipart(many.body, many.contentType, limits)).rejects.toMatchObject({
      statusCode: 413,
      code: 'too_many_files',
    });
    const big = multipart([file('1', 'x'.repeat(60)), file('2', 'y'.repeat(60))]);
    await expect(parseMultipart(big.body, big.contentType, limits)).rejects.toMatchObject({
      statusCode: 413,
      code: 'payload_too_large',
    });
  });

  test('unknown file fields, a second gt part and a text "files" field are 400', async () => {
    const unknown = multipart([{ name: 'other', filename: 'x', bytes: Buffer.from('x') }]);
    await expect(parseMultipart(unknown.body, unknown.contentType, limits)).rejects.toMatchObject({ statusCode: 400 });
    const twoGt = multipart([
      { name: 'gt', filename: 'a.json', bytes: Buffer.from('[]') },
      { name: 'gt', filename: 'b.json', bytes: Buffer.from('[]') },
    ]);
    await expect(parseMultipart(twoGt.body, twoGt.contentType, limits)).rejects.toMatchObject({ statusCode: 400 });
    const text = multipart([{ name: 'files', value: 'not a file' }]);
    await expect(parseMultipart(text.body, text.contentType, limits)).rejects.toMatchObject({ statusCode: 400 });
  });

  test('another content type is 415; a body cut short is 400', async () => {
    await expect(parseMultipart(Buffer.from('{}'), 'application/json', limits)).rejects.toMatchObject({ statusCode: 415 });
    await expect(parseMultipart(Buffer.from('x'), 'multipart/form-data', limits)).rejects.toMatchObject({ statusCode: 415 });
    const { body, contentType } = multipart([file('a.png', 'AAAA')]);
    await expect(parseMultipart(body.subarray(0, body.length - 20), contentType, limits)).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  test('a file part cut short is a 400 and raises nothing behind the caller (no process crash)', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const { body, contentType } = multipart([file('a.png', 'A'.repeat(90))]);
      // Cut inside the file's bytes: busboy reports it on the part's stream, not on itself.
      const out = await parseMultipart(body.subarray(0, body.indexOf('AAAA') + 40), contentType, limits).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 20));
      expect(out).toMatchObject({ statusCode: 400 });
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  test('the CVE-2022-24434 payload (a part header starting with a space) does not crash the parser', async () => {
    const boundary = '----WebKitFormBoundaryoo6vortfDzBsDiro';
    const body = Buffer.from(
      `--${boundary}\r\n Content-Disposition: form-data; name="bildbeschreibung"\r\n\r\n\r\n--${boundary}--`,
    );
    const out: unknown = await parseMultipart(body, `multipart/form-data; boundary=${boundary}`, limits).catch((e: unknown) => e);
    // Either nothing usable was parsed (the handler then answers 400 "no files") or a 4xx error: never a throw past us.
    if (out instanceof Error) expect((out as { statusCode?: number }).statusCode).toBeLessThan(500);
    else expect((out as { files: unknown[] }).files).toEqual([]);
  });
});
