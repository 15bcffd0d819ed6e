/** @module Progress of long steps: a bar with rows/s and ETA on a terminal, plain log lines otherwise. */
import { MultiBar, Presets, type SingleBar } from "cli-progress";

export type Progress = {
  /** Adds `rows` to the done count. */
  tick(rows: number): void;
  /** Marks the step finished and prints its summary line. */
  done(): void;
};

/** A person watches: stderr is a terminal, outside CI. */
export const interactive = () => Boolean(process.stderr.isTTY) && !process.env.CI;

/** The bars on the terminal: steps that run side by side (a load's stores) each keep a line of their own. */
let screen: { bars: MultiBar; shown: Set<SingleBar> } | undefined;

/** Logs a line to stderr, so stdout stays clean for data and paths. Silent under vitest. */
export function log(message: string): void {
  if (process.env.VITEST && !process.env.NIKE_VERBOSE) return;
  if (screen) screen.bars.log(`${message}\n`);
  else process.stderr.write(`${message}\n`);
}

function showBar(label: string, total: number): SingleBar {
  screen ??= { bars: new MultiBar({ hideCursor: true, etaBuffer: 20, clearOnComplete: true }, Presets.shades_classic), shown: new Set() };
  const bar = screen.bars.create(total, 0, { rate: 0 }, { format: `${label.padEnd(24)} {bar} {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}` });
  screen.shown.add(bar);
  return bar;
}

function hideBar(bar: SingleBar): void {
  if (!screen) return;
  screen.shown.delete(bar);
  // Removing redraws, which also writes the lines logged since the last redraw.
  screen.bars.remove(bar);
  if (screen.shown.size) return;
  screen.bars.stop();
  screen = undefined;
}

export function formatRate(rows: number, seconds: number): string {
  const rate = seconds > 0 ? rows / seconds : rows;
  return `${Math.round(rate).toLocaleString("en-US")} rows/s`;
}

/** Starts a progress display for a step of `total` rows. */
export function progress(label: string, total: number): Progress {
  const started = performance.now();
  let done = 0;
  const bar = interactive() ? showBar(label, total) : undefined;
  return {
    tick(rows) {
      done += rows;
      const seconds = (performance.now() - started) / 1000;
      bar?.update(done, { rate: Math.round(done / Math.max(seconds, 1e-3)).toLocaleString("en-US") });
    },
    done() {
      if (bar) hideBar(bar);
      const seconds = (performance.now() - started) / 1000;
      log(`${label}: ${done.toLocaleString("en-US")} rows in ${seconds.toFixed(2)} s (${formatRate(done, seconds)})`);
    },
  };
}
