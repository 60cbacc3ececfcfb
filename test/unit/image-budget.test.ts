import { describe, expect, test } from 'vitest';
import {
  type ContextBudget,
  DEFAULT_PIXEL_BUDGET,
  IMAGE_ALLOWANCE_TOKENS,
  PATCH_PX,
  TEMPLATE_ALLOWANCE_TOKENS,
  estimatePromptTokens,
  estimateTextTokens,
  fitPage,
  planDocument,
  visualTokens,
} from '../../functions/core/images/budget.ts';
import { ContextLengthExceededError, TooManyPagesError, ValidationError } from '../../functions/core/errors.ts';
import { TaskCatalog } from '../../functions/core/extract/task-catalog.ts';

const SEED_CONTEXT: ContextBudget = { maxModelLen: 4096, maxTokens: 1024, minPageTokens: 640, maxDocumentPages: 8 };
const PROMPT = 'Read the receipt and return JSON. '.repeat(25); // 850 bytes ≈ a real task prompt

describe('fitPage', () => {
  test('a 12 MP photo is sent within max_pixels with both sides multiples of 32', () => {
    const size = fitPage({ width: 4000, height: 3000 }, DEFAULT_PIXEL_BUDGET);
    expect(size.width % PATCH_PX).toBe(0);
    expect(size.height % PATCH_PX).toBe(0);
    expect(size.width * size.height).toBeLessThanOrEqual(DEFAULT_PIXEL_BUDGET.maxPixels);
    expect(size).toEqual({ width: 1312, height: 960 });
    expect(visualTokens(size)).toBe(1230);
  });

  test('the aspect ratio is kept within the rounding to 32 px', () => {
    const size = fitPage({ width: 1000, height: 6000 }, DEFAULT_PIXEL_BUDGET);
    expect(size.height / size.width).toBeCloseTo(6, 0);
    expect(size.width * size.height).toBeLessThanOrEqual(DEFAULT_PIXEL_BUDGET.maxPixels);
  });

  test('an image inside the budget keeps its size, rounded to the nearest multiple of 32', () => {
    expect(fitPage({ width: 1000, height: 700 }, DEFAULT_PIXEL_BUDGET)).toEqual({ width: 992, height: 704 });
  });

  test('a small image is upscaled only as far as min_pixels', () => {
    const size = fitPage({ width: 100, height: 50 }, DEFAULT_PIXEL_BUDGET);
    expect(size.width * size.height).toBeGreaterThanOrEqual(DEFAULT_PIXEL_BUDGET.minPixels);
    expect(size).toEqual({ width: 384, height: 192 });
    // One step of 32 less on either side would be under min_pixels: no upscaling past it.
    expect((size.width - PATCH_PX) * (size.height - PATCH_PX)).toBeLessThan(DEFAULT_PIXEL_BUDGET.minPixels);
  });

  test('an image over min_pixels is never upscaled', () => {
    expect(fitPage({ width: 400, height: 300 }, DEFAULT_PIXEL_BUDGET)).toEqual({ width: 416, height: 288 });
  });

  test('a page narrower than one patch still gets one patch', () => {
    expect(fitPage({ width: 10, height: 1000 }, { maxPixels: 1_310_720, minPixels: 0 })).toEqual({ width: 32, height: 992 });
  });

  test('a sliver over the 200:1 aspect ratio the model accepts is a 400', () => {
    expect(() => fitPage({ width: 20_100, height: 100 }, DEFAULT_PIXEL_BUDGET)).toThrow(ValidationError);
  });
});

describe('token estimates', () => {
  test('text is estimated at one token per two UTF-8 bytes, rounded up', () => {
    expect(estimateTextTokens('abcd')).toBe(2);
    expect(estimateTextTokens('абв')).toBe(3); // 6 bytes
    expect(estimateTextTokens('a')).toBe(1);
  });

  test('a prompt counts its text, the template and each image with its markers', () => {
    const pages = [
      { width: 64, height: 64 },
      { width: 32, height: 96 },
    ];
    // "Page 1 of 2:" is 12 bytes: 6 tokens of label per page.
    expect(estimatePromptTokens('abcd', pages)).toBe(2 + TEMPLATE_ALLOWANCE_TOKENS + 4 + 3 + 2 * IMAGE_ALLOWANCE_TOKENS + 2 * 6);
  });
});

describe('planDocument', () => {
  test('one photo fits the seed context of 4096 tokens at the full task budget', () => {
    const plan = planDocument([{ width: 4000, height: 3000 }], DEFAULT_PIXEL_BUDGET, SEED_CONTEXT, PROMPT);
    expect(plan.pages).toEqual([{ width: 1312, height: 960 }]);
    expect(plan.pageBudget.maxPixels).toBe(DEFAULT_PIXEL_BUDGET.maxPixels);
    expect(plan.totalTokensEstimate).toBeLessThanOrEqual(SEED_CONTEXT.maxModelLen);
  });

  test('two A4 pages share the context and together stay within it', () => {
    const a4 = { width: 2480, height: 3508 };
    const plan = planDocument([a4, a4], DEFAULT_PIXEL_BUDGET, SEED_CONTEXT, PROMPT);
    expect(plan.pages).toHaveLength(2);
    expect(plan.totalTokensEstimate).toBeLessThanOrEqual(SEED_CONTEXT.maxModelLen);
    for (const p of plan.pages) expect(visualTokens(p)).toBeGreaterThanOrEqual(SEED_CONTEXT.minPageTokens);
  });

  test('each page gets an equal share of what the context leaves, never less than MIN_PAGE_TOKENS', () => {
    const a4 = { width: 2480, height: 3508 };
    const plan = planDocument([a4, a4, a4, a4], DEFAULT_PIXEL_BUDGET, SEED_CONTEXT, PROMPT);
    const share = plan.pageBudget.maxPixels / (PATCH_PX * PATCH_PX);
    expect(share).toBeGreaterThanOrEqual(SEED_CONTEXT.minPageTokens);
    expect(share).toBeLessThan(DEFAULT_PIXEL_BUDGET.maxPixels / (PATCH_PX * PATCH_PX));
    expect(plan.totalTokensEstimate).toBeLessThanOrEqual(SEED_CONTEXT.maxModelLen);
    // Sides in whole patches cost at most one row and one column of the share.
    for (const p of plan.pages) {
      expect(visualTokens(p)).toBeLessThanOrEqual(share);
      expect(visualTokens(p)).toBeGreaterThan(share - p.width / PATCH_PX - p.height / PATCH_PX);
    }
  });

  test('pages that fit only below MIN_PAGE_TOKENS are too_many_pages with the count that fits', () => {
    const a4 = { width: 2480, height: 3508 };
    const err = catchError(() => planDocument(Array(5).fill(a4), DEFAULT_PIXEL_BUDGET, SEED_CONTEXT, PROMPT));
    expect(err).toBeInstanceOf(TooManyPagesError);
    expect((err as TooManyPagesError).statusCode).toBe(413);
    expect((err as TooManyPagesError).details).toMatchObject({ pages: 5, max_model_len: 4096, max_pages_in_context: 4 });
  });

  test('more pages than MAX_DOCUMENT_PAGES are too_many_pages whatever the context', () => {
    const err = catchError(() =>
      planDocument(
        Array(9).fill({ width: 100, height: 100 }),
        DEFAULT_PIXEL_BUDGET,
        { ...SEED_CONTEXT, maxModelLen: 1e6 },
        PROMPT,
      ),
    );
    expect((err as TooManyPagesError).details).toEqual({ pages: 9, max_document_pages: 8 });
  });

  test('a prompt that leaves no room for one readable page is context_length_exceeded with the numbers', () => {
    const err = catchError(() =>
      planDocument([{ width: 800, height: 600 }], DEFAULT_PIXEL_BUDGET, SEED_CONTEXT, 'x'.repeat(5000)),
    );
    expect(err).toBeInstanceOf(ContextLengthExceededError);
    expect((err as ContextLengthExceededError).statusCode).toBe(422);
    expect((err as ContextLengthExceededError).details).toMatchObject({ pages: 1, max_model_len: 4096, max_tokens: 1024 });
  });

  test('a larger context gives eight pages the full task budget', () => {
    const a4 = { width: 2480, height: 3508 };
    const plan = planDocument(Array(8).fill(a4), DEFAULT_PIXEL_BUDGET, { ...SEED_CONTEXT, maxModelLen: 16384 }, PROMPT);
    expect(plan.pageBudget.maxPixels).toBe(DEFAULT_PIXEL_BUDGET.maxPixels);
    expect(plan.totalTokensEstimate).toBeLessThanOrEqual(16384);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('the prompt hash', () => {
  test('covers the page budget: the same prompt and schema with another budget hash differently', () => {
    const base = { id: 't', prompt: 'Read it.', schema: { type: 'object' } };
    const catalog = new TaskCatalog([
      { ...base, id: 'a' },
      { ...base, id: 'b', budget: { maxPixels: 640 * 1024, minPixels: 65_536 } },
      { ...base, id: 'c', budget: DEFAULT_PIXEL_BUDGET },
    ]);
    expect(catalog.get('a').promptHash).not.toBe(catalog.get('b').promptHash);
    expect(catalog.get('a').promptHash).toBe(catalog.get('c').promptHash);
    expect(catalog.get('b').budget.maxPixels).toBe(640 * 1024);
  });

  test('a budget with min_pixels above max_pixels is refused when the catalog loads', () => {
    expect(() => new TaskCatalog([{ id: 'x', prompt: 'p', schema: {}, budget: { maxPixels: 4096, minPixels: 8192 } }])).toThrow(
      /min_pixels <= max_pixels/,
    );
  });
});
