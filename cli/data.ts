/** @module `nike generate`, `nike load` and `nike demo`: the data's way from the generator to the report site. */
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

/** The main job end to end: generate, load, a full ETL, then the report site; ends with what the data says. */
export async function demoCommand(options: DataOptions): Promise<void> {
  await generateCommand(options);
  await load(loadConfig());
  await etl({ full: true });
  process.stdout.write(`${formatStatus(await doctor(loadConfig()))}\n`);
  const { index, run } = await report({}, ["report"]);
  const o = run.overview;
  process.stdout.write(
    `\nData from ${o.firstDate} to ${o.lastDate}: ${fmt.int(o.activeUsers)} of ${fmt.int(o.customers)} customers use the app (${fmt.pct(o.appUserShare, 1)}), ` +
      `logging ${o.workoutsPerActiveUserWeek} workouts a week each.\nReport site: ${index}\n`,
  );
}
