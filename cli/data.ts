/** @module `nike generate`, `nike load` and `nike demo`: the data's way from the generator to the report site. */
import { readFileSync } from "node:fs";
import { loadConfig, rawDir } from "../lib/config.ts";
import { log } from "../lib/progress.ts";
import { parseScale } from "../lib/scale.ts";
import { generate } from "../pipelines/generate/index.ts";
import { APP_USER_SHARE, historyWindow } from "../pipelines/generate/model.ts";
import { load } from "../pipelines/load/index.ts";
import { fmt } from "../warehouse/insights/insight.ts";
import { doctor, formatStatus } from "./doctor.ts";
import { etl } from "./etl.ts";
import { report } from "./report.ts";

export type DataOptions = { scale: string; seed: number; until: string };

export async function generateCommand(options: DataOptions): Promise<void> {
  const scale = parseScale(options.scale);
  const { start, end } = historyWindow(options.until);
  log(`generating ${scale.name} data (seed ${options.seed}): ${scale.users.toLocaleString("en-US")} customers, ${Math.round(APP_USER_SHARE * 100)}% of them app users, workouts from ${start} to ${end}`);
  await generate({ scale, seed: options.seed, until: options.until, outDir: rawDir(loadConfig()) });
}

export async function loadCommand(): Promise<void> {
  await load(loadConfig());
}

/** Peak resident memory of a process in bytes (Linux's VmHWM), or undefined where it cannot be read. */
function peakMemory(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The main job end to end: generate, load, a full ETL, then the report site; ends with what the data says and what each phase took. */
export async function demoCommand(options: DataOptions): Promise<void> {
  const phases: Array<[string, number]> = [];
  const timed = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    phases.push([phase, (performance.now() - started) / 1000]);
    return result;
  };
  await timed("generate", () => generateCommand(options));
  await timed("load", () => load(loadConfig()));
  await timed("etl --full", () => etl({ full: true }));
  process.stdout.write(`${formatStatus(await doctor(loadConfig()))}\n`);
  const { index, run } = await timed("report", () => report({}, ["report"]));
  const o = run.overview;
  process.stdout.write(
    `\nData from ${o.firstDate} to ${o.lastDate}: ${fmt.int(o.activeUsers)} of ${fmt.int(o.customers)} customers use the app (${fmt.pct(o.appUserShare, 1)}), ` +
      `logging ${o.workoutsPerActiveUserWeek} workouts a week each.\nReport site: ${index}\n`,
  );
  const total = phases.reduce((sum, [, seconds]) => sum + seconds, 0);
  const { readRecord } = await import("../stores/local/service.ts");
  const service = readRecord(loadConfig().dataDir);
  const memory = [`this process ${gigabytes(peakMemory(process.pid))}`, ...(service && !service.stopped ? [`the local store service ${gigabytes(peakMemory(service.pid))}`] : [])];
  process.stdout.write(`Phases: ${phases.map(([phase, seconds]) => `${phase} ${seconds.toFixed(1)} s`).join(", ")}; total ${total.toFixed(1)} s. Peak memory: ${memory.join(", ")}.\n`);
}

const gigabytes = (bytes: number | undefined) => (bytes === undefined ? "unknown" : `${(bytes / 1e9).toFixed(2)} GB`);
