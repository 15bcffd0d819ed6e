/** @module Progress of long steps: a bar with rows/s and ETA on a terminal, plain log lines otherwise. */
import { SingleBar, Presets } from "cli-progress";

export type Progress = {
  /** Adds `rows` to the done count. */
  tick(rows: number): void;
  /** Marks the step finished and prints its summary line. */
  done(): void;
};

/** A person watches: stderr is a terminal, outside CI. */
export const interactive = () => Boolean(process.stderr.isTTY) && !process.env.CI;

/** Logs a line to stderr, so stdout stays clean for data and paths. Silent under vitest. */
export function log(message: string): void {
  if (process.env.VITEST && !process.env.NIKE_VERBOSE) return;
  process.stderr.write(`${message}\n`);
}

export function formatRate(rows: number, seconds: number): string {
  const rate = seconds > 0 ? rows / seconds : rows;
  return `${Math.round(rate).toLocaleString("en-US")} rows/s`;
}

/** Starts a progress display for a step of `total` rows. */
export function progress(label: string, total: number): Progress {
  const started = performance.now();
  let done = 0;
  const bar = interactive()
    ? new SingleBar(
        { format: `${label.padEnd(24)} {bar} {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}`, hideCursor: true, etaBuffer: 20 },
        Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0, { rate: 0 });
  return {
    tick(rows) {
      done += rows;
      const seconds = (performance.now() - started) / 1000;
      bar?.update(done, { rate: Math.round(done / Math.max(seconds, 1e-3)).toLocaleString("en-US") });
    },
    done() {
      bar?.stop();
      const seconds = (performance.now() - started) / 1000;
      log(`${label}: ${done.toLocaleString("en-US")} rows in ${seconds.toFixed(2)} s (${formatRate(done, seconds)})`);
    },
  };
}
