/** @module Progress of long steps: a bar with rows/s and ETA on a terminal, plain log lines otherwise. */
import { MultiBar, Presets } from "cli-progress";

export type Progress = {
  /** Adds `rows` to the done count. */
  tick(rows: number): void;
  /** Marks the step finished and prints its summary line. */
  done(): void;
};

/** A person watches: stderr is a terminal, outside CI. */
export const interactive = () => Boolean(process.stderr.isTTY) && !process.env.CI;

// Steps that run side by side (the loads of the three stores) each keep a bar; log lines go above them.
let bars: MultiBar | undefined;
let shown = 0;

/** Logs a line to stderr, so stdout stays clean for data and paths. Silent under vitest. */
export function log(message: string): void {
  if (process.env.VITEST && !process.env.NIKE_VERBOSE) return;
  if (bars) bars.log(`${message}\n`);
  else process.stderr.write(`${message}\n`);
}

export function formatRate(rows: number, seconds: number): string {
  const rate = seconds > 0 ? rows / seconds : rows;
  return `${Math.round(rate).toLocaleString("en-US")} rows/s`;
}

/** Starts a progress display for a step of `total` rows. */
export function progress(label: string, total: number): Progress {
  const started = performance.now();
  let done = 0;
  let bar: ReturnType<MultiBar["create"]> | undefined;
  if (interactive()) {
    bars ??= new MultiBar({ hideCursor: true, etaBuffer: 20, clearOnComplete: true }, Presets.shades_classic);
    bar = bars.create(total, 0, { rate: 0 }, { format: `${label.padEnd(24)} {bar} {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}` });
    shown++;
  }
  return {
    tick(rows) {
      done += rows;
      const seconds = (performance.now() - started) / 1000;
      bar?.update(done, { rate: Math.round(done / Math.max(seconds, 1e-3)).toLocaleString("en-US") });
    },
    done() {
      if (bar) {
        bar.stop();
        bars!.remove(bar);
        bar = undefined;
        if (--shown === 0) (bars!.stop(), (bars = undefined));
      }
      const seconds = (performance.now() - started) / 1000;
      log(`${label}: ${done.toLocaleString("en-US")} rows in ${seconds.toFixed(2)} s (${formatRate(done, seconds)})`);
    },
  };
}
