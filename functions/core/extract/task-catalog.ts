// Extraction tasks: a prompt plus an output JSON Schema, identified by task_id and pinned by a hash.
import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ValidationError } from '../errors.ts';
import { DEFAULT_PIXEL_BUDGET, type PixelBudget } from '../images/budget.ts';
import { type PageEncoding, SENT_PAGE_ENCODING } from '../images/normalise.ts';

export interface TaskDefinition {
  id: string;
  prompt: string;
  schema: Record<string, unknown>;
  /** Pixels per sent page (prompts/<task_id>.budget.json, else DEFAULT_PIXEL_BUDGET). */
  budget: PixelBudget;
  /**
   * sha256 of the prompt text, the canonical schema JSON, the pixel budget and the page encoding: it
   * changes whenever what the model is asked, or the pages it is shown, would change.
   */
  promptHash: string;
  validate: ValidateFunction;
}

export interface TaskSource {
  id: string;
  prompt: string;
  schema: Record<string, unknown>;
  budget?: PixelBudget;
}

export interface SchemaIssue {
  path: string;
  message: string;
}

export class TaskCatalog {
  private readonly tasks = new Map<string, TaskDefinition>();

  constructor(definitions: TaskSource[]) {
    // One Ajv per catalog; each schema compiled once at cold start, not per call.
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const d of definitions) {
      const budget = d.budget ?? DEFAULT_PIXEL_BUDGET;
      if (!(budget.minPixels >= 0 && budget.maxPixels >= 1024 && budget.minPixels <= budget.maxPixels)) {
        throw new Error(`task ${d.id}: the budget needs 0 <= min_pixels <= max_pixels and max_pixels >= 1024`);
      }
      this.tasks.set(d.id, {
        id: d.id,
        prompt: d.prompt,
        schema: d.schema,
        budget,
        promptHash: promptHash(d.prompt, d.schema, { budget, encoding: SENT_PAGE_ENCODING }),
        validate: ajv.compile(d.schema),
      });
    }
  }

  ids(): string[] {
    return [...this.tasks.keys()].sort();
  }

  /** The task, or a 400 naming the known task ids. */
  get(taskId: string): TaskDefinition {
    const task = this.tasks.get(taskId);
    if (!task) throw new ValidationError(`Unknown task_id "${taskId}"`, { task_id: taskId, known_task_ids: this.ids() });
    return task;
  }
}

export function promptHash(prompt: string, schema: unknown, pages: { budget: PixelBudget; encoding: PageEncoding }): string {
  return createHash('sha256')
    .update(prompt, 'utf8')
    .update('\n\u0000\n')
    .update(canonicalJson(schema))
    .update('\n\u0000\n')
    .update(canonicalJson(pages))
    .digest('hex');
}

/** JSON with object keys sorted, so equal schemas hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Validates a parsed model answer against the task's schema. */
export function validateOutput(task: TaskDefinition, value: unknown): SchemaIssue[] {
  if (task.validate(value)) return [];
  return (task.validate.errors ?? []).map(toIssue);
}

function toIssue(e: ErrorObject): SchemaIssue {
  const extra =
    e.keyword === 'additionalProperties'
      ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
      : e.keyword === 'required'
        ? ''
        : '';
  return { path: e.instancePath || '/', message: `${e.message ?? e.keyword}${extra}` };
}
