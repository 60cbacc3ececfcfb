// Glob matching in linear time. A glob is compiled to a small NFA (Thompson construction) and simulated
// with a set of states, so matching costs O(path length × glob length) whatever the pattern: no
// backtracking regex, so `{*,*}{*,*}…Q` cannot freeze the process (issue 9 #1).
import { ValidationError } from '../errors.ts';

export const MAX_GLOB_LENGTH = 256;

/** A compiled glob: `test` says whether a path relative to `images_dir` matches it. */
export interface GlobMatcher {
  readonly glob: string;
  test(path: string): boolean;
}

type State =
  { kind: 'char'; accepts: (c: string) => boolean; out: number } | { kind: 'split'; outs: number[] } | { kind: 'match' };

type Item =
  { kind: 'literal'; c: string } | { kind: 'one' } | { kind: 'star' } | { kind: 'globstar' } | { kind: 'globstarSlash' };
type Node = Item | { kind: 'alternatives'; options: Item[][] };

const notSlash = (c: string) => c !== '/';
const anyChar = () => true;

/** `**` any depth, `*` within one segment, `?` one character, `{a,b}` alternatives (not nested). */
export function compileGlob(glob: string): GlobMatcher {
  if (glob.length > MAX_GLOB_LENGTH) {
    throw new ValidationError(`glob is longer than ${MAX_GLOB_LENGTH} characters`, { glob: glob.slice(0, 100) });
  }
  const nodes = parse(glob);
  const states: State[] = [{ kind: 'match' }];
  const add = (s: State) => states.push(s) - 1;
  // Built back to front: each item gets the id of what follows it.
  const compileItem = (item: Item, next: number): number => {
    switch (item.kind) {
      case 'literal':
        return add({ kind: 'char', accepts: (c) => c === item.c, out: next });
      case 'one':
        return add({ kind: 'char', accepts: notSlash, out: next });
      case 'star':
      case 'globstar': {
        const loop = add({ kind: 'split', outs: [] });
        const step = add({ kind: 'char', accepts: item.kind === 'star' ? notSlash : anyChar, out: loop });
        (states[loop] as { outs: number[] }).outs.push(step, next);
        return loop;
      }
      case 'globstarSlash': {
        // (?:.*/)? — nothing, or anything ending with a slash
        const slash = add({ kind: 'char', accepts: (c) => c === '/', out: next });
        const loop = add({ kind: 'split', outs: [] });
        const step = add({ kind: 'char', accepts: anyChar, out: loop });
        (states[loop] as { outs: number[] }).outs.push(step, slash);
        return add({ kind: 'split', outs: [loop, next] });
      }
    }
  };
  const compileSequence = (items: Item[], next: number): number => {
    let id = next;
    for (let i = items.length - 1; i >= 0; i--) id = compileItem(items[i]!, id);
    return id;
  };
  let start = 0;
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    start =
      node.kind === 'alternatives'
        ? add({ kind: 'split', outs: node.options.map((o) => compileSequence(o, start)) })
        : compileItem(node, start);
  }
  const closures = states.map((_, id) => closure(states, [id]));
  return { glob, test: (path) => run(states, closures, start, path) };
}

function parse(glob: string): Node[] {
  const nodes: Node[] = [];
  let options: Item[][] | null = null;
  const push = (item: Item) => (options ? options[options.length - 1]!.push(item) : nodes.push(item));
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          push({ kind: 'globstarSlash' });
        } else push({ kind: 'globstar' });
      } else push({ kind: 'star' });
    } else if (c === '?') push({ kind: 'one' });
    else if (c === '{' && !options) options = [[]];
    else if (c === '}' && options) {
      nodes.push({ kind: 'alternatives', options });
      options = null;
    } else if (c === ',' && options) options.push([]);
    else push({ kind: 'literal', c });
  }
  if (options) throw new ValidationError('glob has an unclosed "{"', { glob: glob.slice(0, 100) });
  return nodes;
}

function run(states: State[], closures: number[][], start: number, path: string): boolean {
  // `mark[id] === step` says the state is already in the set of this step: no Set per character.
  const mark = new Int32Array(states.length).fill(-1);
  let current = closures[start]!;
  let step = 0;
  for (const c of path) {
    const next: number[] = [];
    for (const id of current) {
      const s = states[id]!;
      if (s.kind !== 'char' || !s.accepts(c)) continue;
      for (const to of closures[s.out]!) {
        if (mark[to] === step) continue;
        mark[to] = step;
        next.push(to);
      }
    }
    if (next.length === 0) return false;
    current = next;
    step++;
  }
  return current.some((id) => states[id]!.kind === 'match');
}

/** The states reachable through splits, each once. */
function closure(states: State[], from: number[]): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  const stack = [...from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const s = states[id]!;
    if (s.kind === 'split') stack.push(...s.outs);
    else out.push(id);
  }
  return out;
}
