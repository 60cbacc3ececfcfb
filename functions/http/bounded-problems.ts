// Validation errors echo the request: their size must not grow with it (issue 9 #5). A 5.7 MB body of
// unknown keys once produced a 32 MB 400; now unknown keys are counted before the schema runs (so Ajv
// never builds one error object per key) and every error lists at most LISTED problems plus a count.
import type { JSONSchemaType } from 'ajv';

/** Problems listed in `details.problems`; the rest are only counted in `details.problem_count`. */
export const LISTED_PROBLEMS = 20;
/** Problems named in the message. */
export const NAMED_IN_MESSAGE = 3;
/** A client's key is shown cut to this many characters. */
const SHOWN_KEY_CHARS = 120;

export interface BoundedProblems {
  message: string;
  details: { problems: string[]; problem_count: number };
}

/** The first problems and their count, and a message naming at most three of them. */
export function boundedProblems(prefix: string, listed: string[], count: number): BoundedProblems {
  const problems = listed.slice(0, LISTED_PROBLEMS);
  const more = count > NAMED_IN_MESSAGE ? ` (and ${count - NAMED_IN_MESSAGE} more)` : '';
  return {
    message: `${prefix}${problems.slice(0, NAMED_IN_MESSAGE).join('; ')}${more}`,
    details: { problems, problem_count: count },
  };
}

export const shownKey = (key: string): string => (key.length > SHOWN_KEY_CHARS ? `${key.slice(0, SHOWN_KEY_CHARS)}…` : key);

type Schema = Partial<JSONSchemaType<unknown>> & Record<string, unknown>;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Unknown keys of `value` where `schema` closes an object (`additionalProperties: false` with
 * `properties`), following known properties and array `items` down; keeps the first LISTED, counts all.
 * `$ref`s are not followed (Ajv reports those, bounded as well).
 */
export function unknownKeys(schema: unknown, value: unknown, path = ''): { listed: string[]; count: number } {
  const found = { listed: [] as string[], count: 0 };
  const walk = (s: unknown, v: unknown, at: string): void => {
    if (!isObject(s)) return;
    const sch = s as Schema;
    if (Array.isArray(v) && isObject(sch.items)) {
      v.forEach((el, i) => walk(sch.items, el, `${at}.${i}`));
      return;
    }
    if (!isObject(v) || !isObject(sch.properties)) return;
    const props = sch.properties as Record<string, unknown>;
    for (const key of Object.keys(v)) {
      if (Object.hasOwn(props, key)) walk(props[key], v[key], at ? `${at}.${key}` : key);
      else if (sch.additionalProperties === false) {
        found.count++;
        if (found.listed.length < LISTED_PROBLEMS) found.listed.push(`${at || 'body'}: unknown field "${shownKey(key)}"`);
      }
    }
  };
  walk(schema, value, path);
  return found;
}
