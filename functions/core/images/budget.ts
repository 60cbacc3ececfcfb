// The token budget of what the model sees: page sizes in multiples of 32 px (Qwen3-VL spends one visual
// token per 32×32 px), a per-task pixel budget, and a multi-page document fitted into the model's context.
import { ContextLengthExceededError, TooManyPagesError, ValidationError } from '../errors.ts';

/** Side of the square of pixels that becomes one visual token (Qwen3-VL: 16 px patches merged 2×2). */
export const PATCH_PX = 32;

/** Tokens a chat request spends around the content: role markers and the generation prompt. */
export const TEMPLATE_ALLOWANCE_TOKENS = 16;

/** Tokens per image besides its visual tokens: the vision start/end markers and their separators. */
export const IMAGE_ALLOWANCE_TOKENS = 8;

/** Qwen's processor refuses images whose long side is more than 200 times the short one. */
export const MAX_ASPECT_RATIO = 200;

/** A task's pixel budget per page (it lives with the task: prompt + schema + budget). */
export interface PixelBudget {
  /** Upper bound of width × height of one sent page. @default 1,310,720 (1,280 visual tokens) */
  maxPixels: number;
  /** Small inputs are upscaled up to this many pixels, never beyond. @default 65,536 (the Qwen3-VL processor's own floor) */
  minPixels: number;
}

export const DEFAULT_PIXEL_BUDGET: PixelBudget = { maxPixels: 1_310_720, minPixels: 65_536 };

/** What the model server allows: its context, the answer's share of it, and our floor per page. */
export interface ContextBudget {
  /** vLLM's --max-model-len (VLLM_MAX_MODEL_LEN). @default 4096 */
  maxModelLen: number;
  /** max_tokens of the answer (VLLM_MAX_TOKENS). @default 1024 */
  maxTokens: number;
  /** Fewest visual tokens a page may get before it stops being readable (MIN_PAGE_TOKENS). @default 640 */
  minPageTokens: number;
  /** Pages of one document (MAX_DOCUMENT_PAGES). @default 8 */
  maxDocumentPages: number;
}

export interface Size {
  width: number;
  height: number;
}

/** Visual tokens of a page sent at this size: one per 32×32 px. */
export function visualTokens(size: Size): number {
  return Math.ceil(size.width / PATCH_PX) * Math.ceil(size.height / PATCH_PX);
}

/** A conservative token count of prompt text: its UTF-8 bytes ÷ 2 (real tokenizers average 3–4 bytes). */
export function estimateTextTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 2);
}

/** The text put before each page of a multi-page document, so the model knows their order. */
export function pageLabel(page: number, pages: number): string | undefined {
  return pages > 1 ? `Page ${page} of ${pages}:` : undefined;
}

/** The whole prompt's estimate: text, chat template, and each image with its markers and page label. */
export function estimatePromptTokens(text: string, pages: readonly Size[]): number {
  return (
    estimateTextTokens(text) +
    TEMPLATE_ALLOWANCE_TOKENS +
    pages.reduce(
      (sum, page, i) =>
        sum + visualTokens(page) + IMAGE_ALLOWANCE_TOKENS + estimateTextTokens(pageLabel(i + 1, pages.length) ?? ''),
      0,
    )
  );
}

/**
 * The size a page is sent at: both sides multiples of 32, width × height within `maxPixels`, the aspect
 * ratio kept, and small inputs upscaled only as far as `minPixels` (the rounding of Qwen's smart_resize).
 */
export function fitPage(source: Size, budget: PixelBudget): Size {
  const { width, height } = source;
  if (!(width > 0 && height > 0)) throw new ValidationError('The page has no pixels', { width, height });
  if (Math.max(width, height) / Math.min(width, height) > MAX_ASPECT_RATIO) {
    throw new ValidationError(`The page is ${width}x${height}: its sides differ by more than ${MAX_ASPECT_RATIO} times`, {
      width,
      height,
      max_aspect_ratio: MAX_ASPECT_RATIO,
    });
  }
  const round = (v: number) => Math.max(PATCH_PX, Math.round(v / PATCH_PX) * PATCH_PX);
  let w = round(width);
  let h = round(height);
  if (w * h > budget.maxPixels) {
    const beta = Math.sqrt((width * height) / budget.maxPixels);
    w = Math.max(PATCH_PX, Math.floor(width / beta / PATCH_PX) * PATCH_PX);
    h = Math.max(PATCH_PX, Math.floor(height / beta / PATCH_PX) * PATCH_PX);
  } else if (w * h < budget.minPixels) {
    const beta = Math.sqrt(budget.minPixels / (width * height));
    const upW = Math.ceil((width * beta) / PATCH_PX) * PATCH_PX;
    const upH = Math.ceil((height * beta) / PATCH_PX) * PATCH_PX;
    // Rounding up may overshoot a tight budget: then the rounded size stays.
    if (upW * upH <= budget.maxPixels) {
      w = upW;
      h = upH;
    }
  }
  return { width: w, height: h };
}

/** 413 too_many_pages for a document over MAX_DOCUMENT_PAGES (checked before any page is decoded). */
export function assertPageCount(pageCount: number, context: Pick<ContextBudget, 'maxDocumentPages'>): void {
  if (pageCount > context.maxDocumentPages) {
    throw new TooManyPagesError(`The document has ${pageCount} pages; at most ${context.maxDocumentPages} are read`, {
      pages: pageCount,
      max_document_pages: context.maxDocumentPages,
    });
  }
}

export interface DocumentPlan {
  /** The pixel budget each page got: the task's, shrunk so that every page fits the context. */
  pageBudget: PixelBudget;
  /** Sizes the pages are sent at, in page order. */
  pages: Size[];
  /** Our estimate of the prompt (text + images), recorded next to the model's usage.prompt_tokens. */
  promptTokensEstimate: number;
  /** promptTokensEstimate + maxTokens: what the request may use of the context. */
  totalTokensEstimate: number;
}

/**
 * Sizes every page of a document so that the whole request fits the model's context:
 * 1. more pages than maxDocumentPages → too_many_pages (413)
 * 2. the context left after the answer, the prompt text and the per-image markers is shared equally
 *    between the pages, capped by the task's budget
 * 3. a share under minPageTokens → too_many_pages (413) with the count that would fit, or
 *    context_length_exceeded (422) when not even one page fits
 * 4. each page sized with fitPage under its share
 */
export function planDocument(
  sources: readonly Size[],
  task: PixelBudget,
  context: ContextBudget,
  promptText: string,
): DocumentPlan {
  const pageCount = sources.length;
  assertPageCount(pageCount, context);
  const fixed = estimateTextTokens(promptText) + TEMPLATE_ALLOWANCE_TOKENS + context.maxTokens;
  // Markers and a page label per image ("Page 10 of 10:" is the longest label a document can have).
  const perImage = IMAGE_ALLOWANCE_TOKENS + estimateTextTokens(pageLabel(pageCount, pageCount) ?? '');
  const forImages = context.maxModelLen - fixed - pageCount * perImage;
  const perPage = Math.floor(forImages / pageCount);
  if (perPage < context.minPageTokens) {
    const fitting = Math.floor((context.maxModelLen - fixed) / (context.minPageTokens + perImage));
    const numbers = {
      pages: pageCount,
      estimated_tokens: fixed + pageCount * (context.minPageTokens + perImage),
      max_model_len: context.maxModelLen,
      max_tokens: context.maxTokens,
      min_page_tokens: context.minPageTokens,
    };
    if (fitting >= 1) {
      throw new TooManyPagesError(
        `The document has ${pageCount} pages; at ${context.minPageTokens} tokens a page only ${fitting} fit the model's context of ${context.maxModelLen} tokens`,
        { ...numbers, max_pages_in_context: fitting },
      );
    }
    throw new ContextLengthExceededError(
      `The prompt and one page at ${context.minPageTokens} tokens do not fit the model's context of ${context.maxModelLen} tokens`,
      numbers,
    );
  }
  const pageBudget: PixelBudget = {
    maxPixels: Math.min(task.maxPixels, perPage * PATCH_PX * PATCH_PX),
    minPixels: Math.min(task.minPixels, task.maxPixels, perPage * PATCH_PX * PATCH_PX),
  };
  const pages = sources.map((s) => fitPage(s, pageBudget));
  const promptTokensEstimate = estimatePromptTokens(promptText, pages);
  return { pageBudget, pages, promptTokensEstimate, totalTokensEstimate: promptTokensEstimate + context.maxTokens };
}
