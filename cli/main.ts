/** @module The `nike` command line: one subcommand per job, with clear errors and exit codes. */
import { Command, InvalidArgumentError, Option } from "commander";
import { UserError, describe } from "../lib/errors.ts";
import { SCALES } from "../lib/scale.ts";
import { parseUntil } from "../pipelines/generate/model.ts";
import type { DataOptions } from "./data.ts";
import type { EtlOptions } from "./etl.ts";
import type { ReportOptions } from "./report.ts";

// Each subcommand's module is imported when it runs, so that `nike --help` (or any one command)
// loads none of the others' dependencies: DuckDB, the AWS SDK, the MongoDB driver, vega.
const data = () => import("./data.ts");
const stores = () => import("./stores.ts");

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
    .action(async (options: DataOptions) => (await data()).generateCommand(options));

  cli
    .command("load")
    .description("load DATA_DIR/raw into MySQL, the document store (MongoDB or embedded) and DynamoDB (or embedded)")
    .action(async () => (await data()).loadCommand());

  cli
    .command("etl")
    .description("extract changes from the stores, transform and check them, publish to the MySQL star schema and the lake")
    .option("--full", "rebuild the warehouse and lake from scratch instead of the changes since the last run")
    .option("--follow", "run micro-batches until stopped (Ctrl-C finishes the current batch)")
    .option("--interval <time>", "pause between --follow batches, e.g. 5s or 500ms", "5s")
    .option("--status", "show the ledger: recent runs, each source's watermark and its freshness")
    .action(async (options: EtlOptions & { status?: boolean }) => (options.status ? (await import("./etl-status.ts")).etlStatus() : (await import("./etl.ts")).etl(options)));

  cli
    .command("report")
    .description("compute the six insights and write the report site (reports/site/), the segment labels, and optionally an e-mail digest")
    .option("--out <dir>", "folder of the site (default: reports/site in this checkout)")
    .option("--single-file [file]", "write one self-contained HTML file instead of the site (default: reports/nike-insights.html)")
    .option("--pdf [file]", "write the summary and the six insights as one PDF instead of the site, printed by headless Chromium (CHROMIUM_PATH, else /usr/bin/chromium) (default: reports/nike-insights.pdf)")
    .addOption(new Option("--paper <size>", "the PDF's page size (default: a4)").choices(["a4", "letter"]))
    .option("--email <addresses>", "send the morning digest to these comma-separated addresses (SMTP_URL, or the outbox folder)")
    .option("--site-url <url>", "where readers open the full site, for the digest's links (default: the site's file:// URL)")
    .option("--filter <filter>", "open the digest's links filtered, as a page's URL holds it: e.g. \"dates=90d&state=CO&activity=running\"")
    .option("--json", "print only the findings as JSON on stdout (the site's data/insights.json document) and write nothing")
    .addOption(new Option("--source <store>", "read the warehouse from the Parquet lake or the MySQL star schema").choices(["lake", "mysql"]).default("lake"))
    .addOption(seedOption())
    .action(async (options: ReportOptions) => (await import("./report.ts")).reportCommand(options));

  cli
    .command("docs")
    .description("write the data docs (every table, the lineage graph, checks, ETL runs, source freshness) to reports/site/docs/; nike report also builds them")
    .option("--out <dir>", "folder of the docs (default: reports/site/docs in this checkout)")
    .action(async (options: { out?: string }) => (await import("./docs.ts")).docsCommand(options));

  cli
    .command("serve")
    .description("run Inspire: the HTTP API, the web app (/app), the report site (/reports/) and the notification dispatcher")
    .option("--port <n>", "port to listen on", process.env.PORT ?? "3000")
    .option("--host <address>", "address to listen on", process.env.HOST ?? "127.0.0.1")
    .option("--reports <dir>", "folder of the report site to serve (default: reports/site)")
    .option("--workers <n>", "processes serving the one port (node:cluster); 1 = a single process (default: the number of cores)")
    .action(async (options) => (await import("./serve.ts")).serveCommand(options));

  const notify = cli.command("notify").description("Inspire's notification outbox");
  notify
    .command("schedule")
    .description("queue today's inspiration for every consenting user, at their preferred hour or their segment's best hour")
    .option("--workers <n>", "processes sharing the users (node:cluster); 1 = this process alone (default: the number of cores)")
    .action(async (options: { workers?: string }) => (await import("./notify.ts")).notifyCommand("schedule", options));
  notify
    .option("--follow", "keep sending due messages until stopped (the server also runs this)")
    .description("send the messages that are due now (the outbox dispatcher); `nike notify schedule` queues today's")
    .action(async (options: { follow?: boolean }) => (await import("./notify.ts")).notifyCommand("dispatch", options));

  const storesCli = cli.command("stores").description("the local service that serves the embedded MongoDB and DynamoDB for DATA_DIR (started by any command that needs it)");
  storesCli
    .command("start")
    .description("start it now (in the background), unless it runs")
    .option("--idle <time>", "stop after this long with no clients, e.g. 10m; 0 = never (default: LOCAL_STORES_IDLE or 10m)")
    .action(async (options: { idle?: string }) => (await stores()).printStores("start", options));
  storesCli
    .command("stop")
    .description("stop it (clients reconnect to the next one)")
    .action(async () => (await stores()).printStores("stop", {}));
  storesCli
    .command("status")
    .description("whether it runs, its pid and where it listens")
    .action(async () => (await stores()).printStores("status", {}));

  const alerts = cli.command("alerts").description("alert rules (alerts.yml): thresholds, percent changes, freshness and quarantine, e-mailed once per rule and period");
  const rulesOption = () => new Option("--rules <file>", "the rules file (default: alerts.yml in this checkout)");
  alerts
    .command("check")
    .description("evaluate every rule now, e-mail the ones that newly fire (ALERT_EMAILS or the file's recipients) and print each rule's state")
    .addOption(rulesOption())
    .action(async (options: { rules?: string }) => (await import("./alerts.ts")).alertsCommand("check", options));
  alerts
    .command("list")
    .description("the rules, and each one's latest state: firing or ok, since when, when it was last e-mailed")
    .addOption(rulesOption())
    .action(async (options: { rules?: string }) => (await import("./alerts.ts")).alertsCommand("list", options));

  cli
    .command("migrate")
    .description("bring the MySQL schemas (operational and warehouse) up to date: run the migrations the database lacks (every command that needs a schema also does)")
    .option("--status", "list each schema's applied and pending migrations; run none")
    .action(async (options: { status?: boolean }) => (await import("./migrate.ts")).printMigrate(options));

  cli
    .command("doctor")
    .description("show each store, whether it is real or embedded, and whether it answers")
    .action(async () => (await import("./doctor.ts")).doctorCommand());

  cli
    .command("demo")
    .description("the main job end to end: generate, load, etl, then the report site")
    .addOption(scaleOption())
    .addOption(seedOption())
    .addOption(untilOption())
    .action(async (options: DataOptions) => (await data()).demoCommand(options));

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
