// Loads the task catalog from prompts/<task_id>.md and schemas/tasks/<task_id>.schema.json.
// Both folders sit at the repo root in local mode and beside the bundle on Lambda (copied at bundling).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PixelBudget } from '../core/images/budget.ts';
import { TaskCatalog } from '../core/extract/task-catalog.ts';

const SCHEMA_SUFFIX = '.schema.json';

/** The nearest folder at or above this module that holds `prompts/` and `schemas/`. */
export function assetRoot(start: string = dirname(fileURLToPath(import.meta.url))): string {
  const fromEnv = process.env.OCRLTY_ASSET_ROOT;
  if (fromEnv) return fromEnv;
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'prompts')) && existsSync(join(dir, 'schemas', 'tasks'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`prompts/ and schemas/tasks/ not found above ${start}`);
    dir = parent;
  }
}

export function loadTaskCatalog(root: string = assetRoot()): TaskCatalog {
  const schemaDir = join(root, 'schemas', 'tasks');
  const ids = readdirSync(schemaDir)
    .filter((f) => f.endsWith(SCHEMA_SUFFIX))
    .map((f) => f.slice(0, -SCHEMA_SUFFIX.length))
    .sort();
  return new TaskCatalog(
    ids.map((id) => ({
      id,
      prompt: readFileSync(join(root, 'prompts', `${id}.md`), 'utf8'),
      schema: JSON.parse(readFileSync(join(schemaDir, `${id}${SCHEMA_SUFFIX}`), 'utf8')) as Record<string, unknown>,
      ...budgetOf(join(root, 'prompts', `${id}.budget.json`)),
    })),
  );
}

/** prompts/<task_id>.budget.json: `{"max_pixels": …, "min_pixels": …}` per sent page; absent = the defaults. */
function budgetOf(file: string): { budget?: PixelBudget } {
  if (!existsSync(file)) return {};
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { max_pixels?: unknown; min_pixels?: unknown };
  if (typeof raw.max_pixels !== 'number' || typeof raw.min_pixels !== 'number') {
    throw new Error(`${file}: max_pixels and min_pixels must be numbers`);
  }
  return { budget: { maxPixels: raw.max_pixels, minPixels: raw.min_pixels } };
}
