// Turning a model's text into JSON: tolerant of <think> blocks, code fences and prose around the object.

export type ParseResult = { ok: true; value: unknown } | { ok: false; error: string };

/** Finds the JSON object in a model answer. Tries the whole text, then fenced blocks, then balanced braces. */
export function parseModelJson(text: string): ParseResult {
  const withoutThinking = text
    .replace(/<think>[\s\S]*?<\/think>/gi, '')
    .replace(/^[\s\S]*?<\/think>/i, '')
    .trim();
  if (withoutThinking === '') return { ok: false, error: 'The model answered with no text' };

  const candidates: string[] = [withoutThinking];
  for (const m of withoutThinking.matchAll(/```(?:json|JSON)?\s*([\s\S]*?)```/g)) {
    if (m[1]) candidates.push(m[1].trim());
  }
  candidates.push(...balancedObjects(withoutThinking));

  for (const candidate of candidates) {
    try {
      const value: unknown = JSON.parse(candidate);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { ok: true, value };
    } catch {
      // try the next candidate
    }
  }
  return { ok: false, error: 'No JSON object could be parsed from the model answer' };
}

/** Every top-level `{...}` span with balanced braces, skipping braces inside strings. */
function balancedObjects(text: string): string[] {
  const found: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"' && depth > 0) inString = true;
    else if (ch === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === '}' && depth > 0) {
      depth--;
      if (depth === 0 && start >= 0) found.push(text.slice(start, i + 1));
    }
  }
  return found;
}
