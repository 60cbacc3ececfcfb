// vitest global setup: before the suite, clears the recorded responses; after it, validates every response
// the local gateway gave (test/support/response-recorder.ts) against the OpenAPI document, and — when the whole
// suite ran — fails if a route or a documented status was never seen. A guard with teeth: code and
// description cannot part without the suite going red.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkRecordings } from './openapi-check.ts';
import { RECORDINGS_DIR, type Recording } from './response-recorder.ts';

export function setup(): void {
  rmSync(RECORDINGS_DIR, { recursive: true, force: true });
}

/** `vitest run` with no file filter is the whole suite; only then is a never-seen status a failure. */
function wholeSuite(argv: string[]): boolean {
  const i = argv.findIndex((a) => a === 'run');
  const rest = i >= 0 ? argv.slice(i + 1) : argv.slice(2);
  return !rest.some((a) => !a.startsWith('-')) && !rest.some((a) => /^(-t|--testNamePattern|--project)/.test(a));
}

export function teardown(): void {
  const recordings: Recording[] = [];
  if (existsSync(RECORDINGS_DIR)) {
    for (const f of readdirSync(RECORDINGS_DIR).filter((n) => n.endsWith('.jsonl'))) {
      for (const line of readFileSync(join(RECORDINGS_DIR, f), 'utf8').split('\n')) if (line) recordings.push(JSON.parse(line));
    }
  }
  const full = wholeSuite(process.argv) && recordings.length > 0;
  const report = checkRecordings(recordings, { requireCoverage: full });
  mkdirSync(RECORDINGS_DIR, { recursive: true });
  writeFileSync(join(RECORDINGS_DIR, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const problems = [
    ...report.invalid.map((p) => `${p.route} ${p.status}: ${p.errors}`),
    ...report.uncovered.map((u) => `never seen: ${u}`),
  ];
  process.stdout.write(
    `\nOpenAPI guard: ${recordings.length} responses checked, ${report.invalid.length} invalid` +
      (full
        ? `, ${report.uncovered.length} documented route/status pairs never seen`
        : ' (coverage not checked: a partial run)') +
      '\n',
  );
  if (problems.length > 0) {
    throw new Error(`OpenAPI guard failed (${problems.length}):\n${problems.slice(0, 40).join('\n')}`);
  }
}
