// Glob matching benchmark (issue 9 #1): the linear-time matcher against pathological and ordinary globs,
// next to the backtracking regex it replaced (run only for small group counts: it grows ~5× per group).
// Results: bench/README.md "Glob matching".
//
//   node bin/node22.mjs --import tsx bench/glob.ts
import { compileGlob } from '../functions/core/batch/glob-matcher.ts';

const KEYS = ['receipt_0001.png', 'receipt_0002_long_name.jpg', 'sub/receipt_0003_even_longer_name.png'];
const MANY = Array.from({ length: 10_000 }, (_, i) => `2026/12/${String(i).padStart(5, '0')}/receipt_${i}_scan.png`);

/** The regex the old globToRegExp built for `{*,*}`×n + `Q`. */
const oldRegex = (n: number) => new RegExp(`^${'(?:[^/]*|[^/]*)'.repeat(n)}Q$`);

function time(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const rows: string[] = [];
for (const n of [4, 5, 6, 7]) {
  const re = oldRegex(n);
  const ms = time(() => KEYS.forEach((k) => re.test(k)));
  rows.push(`old regex, {*,*}x${n}+Q, 3 keys: ${ms.toFixed(1)} ms`);
}
for (const n of [9, 12, 50]) {
  const glob = `${'{*,*}'.repeat(n)}Q`;
  const ms = time(() => {
    const m = compileGlob(glob);
    KEYS.forEach((k) => m.test(k));
  });
  rows.push(`linear, {*,*}x${n}+Q, 3 keys: ${ms.toFixed(2)} ms`);
  const many = time(() => {
    const m = compileGlob(glob);
    MANY.forEach((k) => m.test(k));
  });
  rows.push(`linear, {*,*}x${n}+Q, 10,000 keys: ${many.toFixed(0)} ms`);
}
const worst = `${'{*,*}'.repeat(51)}Q`; // 256 characters, the longest glob accepted
const worstMatcher = compileGlob(worst);
rows.push(`linear, 256-char {*,*}x51+Q, 10,000 keys: ${time(() => MANY.forEach((k) => worstMatcher.test(k))).toFixed(0)} ms`);
const ordinary = compileGlob('**/*.png');
rows.push(`linear, "**/*.png", 10,000 keys: ${time(() => MANY.forEach((k) => ordinary.test(k))).toFixed(1)} ms`);
console.log(rows.join('\n'));
