// Progress bars (cli-progress) on stderr, only when a person watches: stdout and stderr are terminals and
// --json is off. Otherwise every call is a no-op, so piped output stays clean.
import cliProgress from 'cli-progress';

export interface Progress {
  start(total: number, value?: number): void;
  update(value: number, total?: number): void;
  stop(): void;
}

const quiet: Progress = { start() {}, update() {}, stop() {} };

export function progressBar(label: string, enabled: boolean): Progress {
  if (!enabled || !process.stdout.isTTY || !process.stderr.isTTY) return quiet;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label.padEnd(8)} {bar} {value}/{total} {percentage}% | {duration_formatted}`,
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    start(total, value = 0) {
      bar.start(total, value);
      started = true;
    },
    update(value, total) {
      if (!started) return;
      if (total !== undefined) bar.setTotal(total);
      bar.update(value);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
