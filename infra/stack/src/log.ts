/** Progress output for long steps: one line per event, prefixed by elapsed time. */
const started = Date.now();

function stamp(): string {
  return `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`;
}

export const log = {
  step(msg: string): void {
    process.stdout.write(`${stamp()} ${msg}\n`);
  },
  ok(msg: string): void {
    process.stdout.write(`${stamp()} \u2713 ${msg}\n`);
  },
  warn(msg: string): void {
    process.stderr.write(`${stamp()} ! ${msg}\n`);
  },
  fail(msg: string): void {
    process.stderr.write(`${stamp()} \u2717 ${msg}\n`);
  },
};
