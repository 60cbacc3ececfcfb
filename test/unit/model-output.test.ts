import { describe, expect, test } from 'vitest';
import { parseModelJson } from '../../functions/core/extract/model-output.ts';

describe('parseModelJson', () => {
  test('parses a bare JSON object', () => {
    expect(parseModelJson('{"total": 1.5}')).toEqual({ ok: true, value: { total: 1.5 } });
  });

  test('strips a <think> block before the answer', () => {
    expect(parseModelJson('<think>the total is {maybe} 3</think>\n{"total": 3}')).toEqual({ ok: true, value: { total: 3 } });
  });

  test('handles an unclosed-open think that ends before the answer', () => {
    expect(parseModelJson('reasoning here</think>{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
  });

  test('reads a ```json fenced block', () => {
    expect(parseModelJson('Here you go:\n```json\n{"a": "b"}\n```\nThanks')).toEqual({ ok: true, value: { a: 'b' } });
  });

  test('finds the object inside prose, ignoring braces inside strings', () => {
    expect(parseModelJson('Result: {"note": "curly } inside", "n": 2} end')).toEqual({
      ok: true,
      value: { note: 'curly } inside', n: 2 },
    });
  });

  test('reports garbage and empty answers as not parsable', () => {
    expect(parseModelJson('I cannot read this receipt.').ok).toBe(false);
    expect(parseModelJson('').ok).toBe(false);
    expect(parseModelJson('[1,2,3]').ok).toBe(false);
    expect(parseModelJson('{"a": ').ok).toBe(false);
  });
});
