// The normalisation step as every extract path uses it (sync, image_url, uploads, dir batches, reruns):
// a task's budget and the model's context applied to checked input, by the one decoder of the process.
import type { ContextBudget, PixelBudget } from './budget.ts';
import type { CheckedInput } from './image.ts';
import { type DocumentDecoder, type NormalisedDocument, normaliseDocument } from './normalise.ts';

export interface PagePipeline {
  decoder: DocumentDecoder;
  /** VLLM_MAX_MODEL_LEN, VLLM_MAX_TOKENS, MIN_PAGE_TOKENS, MAX_DOCUMENT_PAGES. */
  context: ContextBudget;
  /** MAX_IMAGE_PIXELS: the decompression-bomb guard of raster pages. */
  maxImagePixels: number;
}

/** What of a task the pipeline needs: the prompt sent with the pages and the task's pixel budget. */
export interface TaskPages {
  prompt: string;
  budget: PixelBudget;
}

/** The pages the model will see for this input and task (see normaliseDocument for the steps). */
export function normaliseForTask(pipeline: PagePipeline, input: CheckedInput, task: TaskPages): Promise<NormalisedDocument> {
  return normaliseDocument(pipeline.decoder, input, {
    budget: task.budget,
    context: pipeline.context,
    promptText: task.prompt,
    limits: { maxImagePixels: pipeline.maxImagePixels },
  });
}
