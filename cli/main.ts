/** @module The `nike` command line: one subcommand per job, with clear errors and exit codes. */
import { Command, InvalidArgumentError, Option } from "commander";
import { loadConfig, rawDir } from "../lib/config.ts";
import { UserError, describe } from "../lib/errors.ts";
import { log } from "../lib/progress.ts";
import { parseScale, SCALES } from "../lib/scale.ts";
import { generate } from "../pipelines/generate/index.ts";
import { APP_USER_SHARE, historyWindow, parseUntil } from "../pipelines/generate/model.ts";
import { load } from "../pipelines/load/index.ts";
import { fmt } from "../warehouse/insights/insight.ts";
import { etl } from "./etl.ts";
import { doctor, formatStatus } from "./doctor.ts";
import { report, type ReportOptions } from "./report.ts";
import { notifyCommand } from "./notify.ts";
import { serveCommand } from "./serve.ts";
import { storesCommand } from "./stores.ts";

const scaleOption = () =>
  new Option("--scale <preset>", "data volume preset").choices(Object.keys(SCALES)).default("small");
const seedOption = () =>
  new Option("--seed <n>", "random seed: the same seed gives the same rows").default(42).argParser((v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError("must be a non-negative integer.");
    return n;
  });

const untilOption = () =>
  new Option("--until <YYYY-MM-DD>", "the day the data is as of: the history runs up to it (default: today); the same seed and day give the same rows")
    .default(new Date().toISOString().slice(0, 10), "today")
    .argParser((v) => parseUntil(v));

type DataOptions = { scale: string; seed: number; until: string };

async function runGenerate(options: DataOptions) {
  const config = loadConfig();
  const scale = parseScale(options.scale);
  const { start, end } = historyWindow(options.until);
  log(`generating ${scale.name} data (seed ${options.seed}): ${scale.users.toLocaleString("en-US")} customers, ${Math.round(APP_USER_SHARE * 100)}% of them app users, workouts from ${start} to ${end}`);
  await generate({ scale, seed: options.seed, until: options.until, outDir: rawDir(config) });
}

export function program(): Command {
  const cli = new Command("nike")
    .description("Nike Data Workbench: operational stores, ETL, insights and the Inspire app backend")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ outputError: (text, write) => write(text) });

  cli
    .command("generate")
    .description("write synthetic data for every store as Parquet into DATA_DIR/raw (and what was planted into raw/planted)")
    .addOption(scaleOption())
    .addOption(seedOption())
    .addOption(untilOption())
    .action(runGenerate);

  cli
    .command("load")
    .description("load DATA_DIR/raw into MySQL, the document store (MongoDB or embedded) and DynamoDB (or embedded)")
    .action(async () => {
      await load(loadConfig());
    });

  cli
    .command("etl")
    .description("extract changes from the stores, transform and check them, publish to the MySQL star schema and the lake")
    .option("--full", "rebuild the warehouse and lake from scratch instead of the changes since the last run")
    .option("--follow", "run micro-batches until stopped (Ctrl-C finishes the current batch)")
    .option("--interval <time>", "pause between --follow batches, e.g. 5s or 500ms", "5s")
    .option("--status", "show the ledger: recent runs and each source's watermark")
    .action(etl);

  cli
    .command("report")
    .description("compute the five insights and write the report site (reports/site/), the segment labels, and optionally an e-mail digest")
    .option("--out <dir>", "folder of the site (default: reports/site in this checkout)")
    .option("--single-file [file]", "write one self-contained HTML file instead of the site (default: reports/nike-insights.html)")
    .option("--email <addresses>", "send the morning digest to these comma-separated addresses (SMTP_URL, or the outbox folder)")
    .option("--site-url <url>", "where readers open the full site, for the digest's links (default: the site's file:// URL)")
    .option("--json", "print only the findings as JSON on stdout (the site's data/insights.json document) and write nothing")
    .addOption(new Option("--source <store>", "read the warehouse from the Parquet lake or the MySQL star schema").choices(["lake", "mysql"]).default("lake"))
    .addOption(seedOption())
    .action(async (options: ReportOptions) => {
      const result = await report(options);
      log(`report: ${result.json ? "computed" : "built"} in ${result.seconds.toFixed(1)} s`);
      process.stdout.write(result.json ?? `${result.index ?? result.singleFile}\n`);
    });

  cli
    .command("serve")
    .description("run Inspire: the HTTP API, the web app (/app), the report site (/reports/) and the notification dispatcher")
    .option("--port <n>", "port to listen on", process.env.PORT ?? "3000")
    .option("--host <address>", "address to listen on", process.env.HOST ?? "127.0.0.1")
    .option("--reports <dir>", "folder of the report site to serve (default: reports/site)")
    .action(serveCommand);

  const notify = cli.command("notify").description("Inspire's notification outbox");
  notify
    .command("schedule")
    .description("queue today's inspiration for every consenting user, at their preferred hour or their segment's best hour")
    .action(() => notifyCommand("schedule", {}));
  notify
    .option("--follow", "keep sending due messages until stopped (the server also runs this)")
    .description("send the messages that are due now (the outbox dispatcher); `nike notify schedule` queues today's")
    .action((options: { follow?: boolean }) => notifyCommand("dispatch", options));

  const stores = cli.command("stores").description("the local service that serves the embedded MongoDB and DynamoDB for DATA_DIR (started by any command that needs it)");
  stores
    .command("start")
    .description("start it now (in the background), unless it runs")
    .option("--idle <time>", "stop after this long with no clients, e.g. 10m; 0 = never (default: LOCAL_STORES_IDLE or 10m)")
    .action(async (options: { idle?: string }) => void process.stdout.write(`${await storesCommand("start", loadConfig(), options)}\n`));
  stores
    .command("stop")
    .description("stop it (clients reconnect to the next one)")
    .action(async () => void process.stdout.write(`${await storesCommand("stop", loadConfig(), {})}\n`));
  stores
    .command("status")
    .description("whether it runs, its pid and where it listens")
    .action(async () => void process.stdout.write(`${await storesCommand("status", loadConfig(), {})}\n`));

  cli
    .command("doctor")
    .description("show each store, whether it is real or embedded, and whether it answers")
    .action(async () => {
      const statuses = await doctor(loadConfig());
      process.stdout.write(`${formatStatus(statuses)}\n`);
      if (statuses.some((s) => !s.ok)) process.exitCode = 2;
    });

  cli
    .command("demo")
    .description("the main job end to end: generate, load, etl, then the report site")
    .addOption(scaleOption())
    .addOption(seedOption())
    .addOption(untilOption())
    .action(async (options: DataOptions) => {
      await runGenerate(options);
      await load(loadConfig());
      await etl({ full: true });
      process.stdout.write(`${formatStatus(await doctor(loadConfig()))}\n`);
      const { index, run } = await report({}, ["report"]);
      const o = run.overview;
      process.stdout.write(
        `\nData from ${o.firstDate} to ${o.lastDate}: ${fmt.int(o.activeUsers)} of ${fmt.int(o.customers)} customers use the app (${fmt.pct(o.appUserShare, 1)}), ` +
          `logging ${o.workoutsPerActiveUserWeek} workouts a week each.\nReport site: ${index}\n`,
      );
    });

  return cli;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (error) {
    if (error instanceof UserError) {
      process.stderr.write(`nike: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else {
      process.stderr.write(`nike: unexpected error: ${describe(error)}\n`);
      if (process.env.NIKE_DEBUG) console.error(error);
      else process.stderr.write("(set NIKE_DEBUG=1 for the stack trace)\n");
      process.exitCode = 1;
    }
  }
}

await main(process.argv);
