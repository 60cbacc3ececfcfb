// Evaluation against ground truth: normalisation rules, matching, metrics, and the eval artifact it writes.
import { describe, expect, test } from 'vitest';
import type { BatchArtifact } from '../../functions/core/batch/batch-artifact.ts';
import { type EvalDeps, evaluateBatch, groundTruthWarnings } from '../../functions/core/eval/evaluate.ts';
import { basenameOf, compareRun, parseGroundTruth } from '../../functions/core/eval/compare-run.ts';
import {
  fieldKind,
  normaliseCurrency,
  normaliseDate,
  normaliseText,
  parseAmount,
  valuesMatch,
} from '../../functions/core/eval/normalise.ts';
import { MemoryArtifactIndex, MemoryArtifactStore, fixedClock, quietLogger } from './fakes.ts';

describe('parseAmount', () => {
  test.each([
    [12.34, 12.34],
    ['12.34', 12.34],
    ['12,34', 12.34],
    ['$1,234.56', 1234.56],
    ['1.234,56 €', 1234.56],
    ['1 234,56', 1234.56],
    ['1,234', 1234],
    ['1.234.567', 1234567],
    ['USD 9.99', 9.99],
    ['99 руб.', 99],
    ['-3.50', -3.5],
    ['(3.00)', -3],
    ['.5', 0.5],
  ])('reads %j as %d', (input, expected) => {
    expect(parseAmount(input)).toBeCloseTo(expected, 10);
  });

  test.each([['abc'], [''], ['1.2.3'], ['1,2,3'], [null], [true], ['12..3']])('refuses %j', (input) => {
    expect(parseAmount(input)).toBeUndefined();
  });
});

describe('normaliseDate', () => {
  test.each([
    ['2025-01-31', '2025-01-31'],
    ['2025/1/5', '2025-01-05'],
    ['20250131', '2025-01-31'],
    ['31.01.2025', '2025-01-31'],
    ['31-01-2025', '2025-01-31'],
    ['31/01/2025', '2025-01-31'],
    ['05/01/2025', '2025-01-05'],
    ['01/31/2025', '2025-01-31'],
    ['2025-01-31T10:20:00Z', '2025-01-31'],
    ['2025-01-31 10:20', '2025-01-31'],
  ])('reads %j as %s', (input, expected) => {
    expect(normaliseDate(input)).toBe(expected);
  });

  test.each([['2025-02-30'], ['31.13.2025'], ['yesterday'], [20250131]])('refuses %j', (input) => {
    expect(normaliseDate(input)).toBeUndefined();
  });
});

describe('field rules', () => {
  test('field kinds come from the field name', () => {
    expect([fieldKind('total', '1'), fieldKind('amount_due', 1), fieldKind('unit_price', 1)]).toEqual([
      'amount',
      'amount',
      'amount',
    ]);
    expect([fieldKind('date', ''), fieldKind('due_date', ''), fieldKind('invoice_date', '')]).toEqual(['date', 'date', 'date']);
    expect(fieldKind('currency', 'usd')).toBe('currency');
    expect(fieldKind('quantity', 2)).toBe('number');
    expect([fieldKind('vendor_tax_id', 'x'), fieldKind('merchant_name', 'x')]).toEqual(['text', 'text']);
  });

  test('currency codes are upper-cased and unambiguous symbols mapped', () => {
    expect([normaliseCurrency(' usd '), normaliseCurrency('€'), normaliseCurrency('руб.'), normaliseCurrency('$')]).toEqual([
      'USD',
      'EUR',
      'RUB',
      '$',
    ]);
  });

  test('text folds case and whitespace', () => {
    expect(normaliseText('  Corner\tMARKET \n')).toBe('corner market');
  });

  test('amounts match within the tolerance and not beyond it', () => {
    expect(valuesMatch('total', '12.34', 12.35, 0.01)).toBe(true);
    expect(valuesMatch('total', '12.34', 12.33, 0.01)).toBe(true);
    expect(valuesMatch('total', '12.34', 12.36, 0.01)).toBe(false);
    expect(valuesMatch('total', '12,34 €', '12.34', 0)).toBe(true);
  });

  test('plain numbers must be equal', () => {
    expect(valuesMatch('quantity', 2, '2', 0.01)).toBe(true);
    expect(valuesMatch('quantity', 2, 2.01, 0.01)).toBe(false);
  });

  test('dates, currencies and strings compare in normal form', () => {
    expect(valuesMatch('date', '31.01.2025', '2025-01-31', 0.01)).toBe(true);
    expect(valuesMatch('date', '2025-01-30', '2025-01-31', 0.01)).toBe(false);
    expect(valuesMatch('currency', 'usd', 'USD', 0.01)).toBe(true);
    expect(valuesMatch('merchant_name', 'corner  market', 'Corner Market', 0.01)).toBe(true);
  });

  test('a GT null expects no value; a missing prediction never matches a value', () => {
    expect(valuesMatch('tip', null, null, 0.01)).toBe(true);
    expect(valuesMatch('tip', null, '', 0.01)).toBe(true);
    expect(valuesMatch('tip', null, 1, 0.01)).toBe(false);
    expect(valuesMatch('total', '1.00', undefined, 0.01)).toBe(false);
  });

  test('lists compare element by element on the keys the GT gives', () => {
    const predicted = [
      { description: 'Coffee', quantity: 1, unit_price: 3.5, amount: 3.5 },
      { description: 'Bread', quantity: 2, unit_price: 1, amount: 2 },
    ];
    expect(valuesMatch('line_items', [{ description: 'coffee', amount: '3.50' }, { amount: '2' }], predicted, 0.01)).toBe(true);
    expect(valuesMatch('line_items', [{ amount: '3.50' }], predicted, 0.01)).toBe(false);
    expect(valuesMatch('line_items', [{ amount: '3.50' }, { amount: '2.10' }], predicted, 0.01)).toBe(false);
  });
});

describe('parseGroundTruth', () => {
  test('reads a list with fields under "fields" or at the top level', () => {
    const gt = parseGroundTruth(
      [
        { file: 'receipts/a.png', fields: { total: '1.00' } },
        { file: 'b.png', total: '2.00', image: 'ignored.png' },
      ],
      'file',
    );
    expect(gt.records).toEqual([
      { name: 'receipts/a.png', basename: 'a.png', fields: { total: '1.00' } },
      { name: 'b.png', basename: 'b.png', fields: { total: '2.00' } },
    ]);
  });

  test('reads {records: [...]} with another image key, skipping records without it and reporting duplicates', () => {
    const gt = parseGroundTruth(
      { records: [{ image: 'C:\\scans\\a.png', fields: {} }, { file: 'x.png' }, 'junk', { image: 'a.png' }] },
      'image',
    );
    expect(gt.records.map((r) => r.basename)).toEqual(['a.png']);
    expect(gt.skipped).toEqual([
      { index: 1, reason: 'no "image"' },
      { index: 2, reason: 'not an object' },
    ]);
    expect(gt.duplicates).toEqual(['a.png']);
  });

  test('anything else is a validation error', () => {
    expect(() => parseGroundTruth({ items: [] }, 'file')).toThrow(/list of records/);
  });

  test('basenames work for both path separators', () => {
    expect([basenameOf('a/b/c.png'), basenameOf('a\\b\\c.png'), basenameOf('c.png')]).toEqual(['c.png', 'c.png', 'c.png']);
  });
});

describe('compareRun', () => {
  const items = [
    { file: 'a.png', request_id: 'r_0', status: 'ok', parsed: { total: 10, date: '2025-01-31', currency: 'USD' }, error: null },
    {
      image: 'b.png',
      request_id: 'r_1',
      status: 'ok',
      parsed: { total: 5.55, date: '2025-02-01', currency: 'EUR' },
      error: null,
    },
    { file: 'bad.png', request_id: 'r_2', status: 'error', parsed: null, error: { code: 'invalid_input' } },
    { image_file: 'extra.png', request_id: 'r_3', status: 'ok', parsed: { total: 1 }, error: null },
  ];
  const gt = parseGroundTruth(
    [
      { file: 'x/a.png', fields: { total: '10.00', date: '31.01.2025', currency: 'usd' } },
      { file: 'b.png', fields: { total: '5.56', date: '2025-02-02' } },
      { file: 'bad.png', fields: { total: '7.00' } },
      { file: 'missing.png', fields: { total: '1' } },
    ],
    'file',
  ).records;

  test('gives the metrics computed by hand', () => {
    const r = compareRun(gt, items, 0.01);
    // a: 3/3 right; b: total right (within a cent), date wrong; bad: total missing (item failed).
    expect(r.metrics).toEqual({
      gt_records: 4,
      run_items: 4,
      matched: 3,
      unmatched_gt: 1,
      unmatched_run: 1,
      exact_match_rate: 0.3333,
      field_accuracy: 0.6667,
      fields: {
        currency: { support: 1, correct: 1, predicted: 1, accuracy: 1, coverage: 1 },
        date: { support: 2, correct: 1, predicted: 2, accuracy: 0.5, coverage: 1 },
        total: { support: 3, correct: 2, predicted: 2, accuracy: 0.6667, coverage: 0.6667 },
      },
    });
    expect(r.unmatched).toEqual({ gt: ['missing.png'], run: ['extra.png'] });
    expect(r.mismatches.map((m) => [m.file, m.field, m.reason, m.expected_normalised, m.predicted_normalised])).toEqual([
      ['b.png', 'date', 'different', '2025-02-02', '2025-02-01'],
      ['bad.png', 'total', 'item_error', 7, null],
    ]);
    expect(r.records.map((x) => [x.file, x.exact])).toEqual([
      ['a.png', true],
      ['b.png', false],
      ['bad.png', false],
    ]);
  });

  test('rates are null when nothing matched', () => {
    expect(compareRun([], items, 0.01).metrics).toMatchObject({
      matched: 0,
      exact_match_rate: null,
      field_accuracy: null,
      unmatched_run: 4,
    });
  });
});

describe('evaluateBatch', () => {
  function deps(): EvalDeps & { store: MemoryArtifactStore; index: MemoryArtifactIndex } {
    return {
      store: new MemoryArtifactStore(),
      index: new MemoryArtifactIndex(),
      clock: fixedClock('2026-11-23T10:00:00.000Z'),
      logger: quietLogger,
      settings: { amountTolerance: 0.01 },
    };
  }
  const batch = {
    run_id: 'run-1',
    task_id: 'receipt_fields_v1',
    items: [{ file: 'a.png', image: 'a.png', request_id: 'run-1_000000', status: 'ok', parsed: { total: 3 }, error: null }],
  } as unknown as BatchArtifact;

  test('writes an indexed eval artifact and returns its summary', async () => {
    const d = deps();
    await d.store.putBytes('data/gt.json', Buffer.from(JSON.stringify([{ file: 'a.png', total: '3.00' }])), 'application/json', {
      overwrite: false,
    });
    const out = await evaluateBatch(d, { runId: 'run-1', ownerKeyId: 'k1', batch, gtRel: 'data/gt.json', gtImageKey: 'file' });
    expect(out.artifactRel).toBe(`evals/2026-11-23/${out.evalId}.json`);
    expect(out.summary).toMatchObject({ matched: 1, exact_match_rate: 1, field_accuracy: 1, mismatches: 0 });
    const row = await d.index.get('eval', out.evalId);
    expect(row).toMatchObject({ kind: 'eval', ownerKeyId: 'k1', runId: 'run-1', rel: out.artifactRel, status: 'ok' });
    const artifact = await d.store.getJson<any>(out.artifactRel);
    expect(artifact).toMatchObject({
      kind: 'eval',
      eval_id: out.evalId,
      run_id: 'run-1',
      gt: { rel: 'data/gt.json', records: 1 },
    });
  });

  test('a missing or malformed GT file is a client error and writes nothing', async () => {
    const d = deps();
    await expect(
      evaluateBatch(d, { runId: 'run-1', ownerKeyId: 'k1', batch, gtRel: 'data/none.json', gtImageKey: 'file' }),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    await d.store.putBytes('data/bad.json', Buffer.from('{nope'), 'application/json', { overwrite: false });
    await expect(
      evaluateBatch(d, { runId: 'run-1', ownerKeyId: 'k1', batch, gtRel: 'data/bad.json', gtImageKey: 'file' }),
    ).rejects.toMatchObject({
      code: 'validation_error',
    });
    expect(d.index.rows.size).toBe(0);
  });
});

describe('groundTruthWarnings', () => {
  const warn = (doc: unknown, key: string, matched: number) =>
    groundTruthWarnings(doc, parseGroundTruth(doc, key), key, { matched, run_items: 2 });

  test('no record with gt_image_key: gt_no_match naming the key the records use', () => {
    const [w, ...rest] = warn([{ image: 'a.png', total: '1' }], 'file', 0);
    expect(rest).toEqual([]);
    expect(w).toEqual({ code: 'gt_no_match', message: expect.stringContaining('No ground-truth record has "file"') });
    expect(w!.message).toContain('under "image"');
  });

  test('records that match none of the run’s files: gt_no_match', () => {
    expect(warn([{ file: 'zzz.png', total: '1' }], 'file', 0)).toEqual([
      {
        code: 'gt_no_match',
        message: expect.stringContaining("None of the 1 ground-truth records matches one of the run's 2 files"),
      },
    ]);
  });

  test('an empty GT file: gt_no_match', () => {
    expect(warn({ records: [] }, 'file', 0)).toEqual([{ code: 'gt_no_match', message: expect.stringContaining('no records') }]);
  });

  test('a GT that matched something: no warning', () => {
    expect(warn([{ file: 'a.png', total: '1' }], 'file', 1)).toEqual([]);
  });
});
