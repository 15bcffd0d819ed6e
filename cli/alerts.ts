/** @module `nike alerts check` and `nike alerts list`: the rules in alerts.yml (or `--rules`), evaluated and listed. */
import { loadConfig, type Config } from "../lib/config.ts";
import { describe } from "../lib/errors.ts";
import { log } from "../lib/progress.ts";
import { applySchema, connectMysql, type MySql } from "../stores/mysql.ts";
import { STAR_SCHEMA } from "../warehouse/ledger.ts";
import { alertStates, checkAlerts, loadRules, type AlertOutcome, type RulesFile } from "../warehouse/alerts/index.ts";

export type AlertsOptions = { rules?: string };

const emailNote = (email: AlertOutcome["email"]) => (typeof email === "string" ? email : `e-mail failed: ${email.failed}`);

/** One line per rule: FIRING or ok, the period, what was found, and what became of its e-mail. */
export function formatOutcomes(outcomes: AlertOutcome[]): string {
  return outcomes.map((o) => `${o.firing ? "FIRING" : "ok    "}  ${o.rule}  [${o.period}]  ${o.summary}${o.firing ? `  — ${emailNote(o.email)}` : ""}`).join("\n");
}

async function withWarehouse<T>(config: Config, run: (db: MySql) => Promise<T>): Promise<T> {
  const db = await connectMysql(config.mysqlUrl, 2);
  try {
    await applySchema(db, STAR_SCHEMA);
    return await run(db);
  } finally {
    await db.end();
  }
}

export async function alertsCommand(action: "check" | "list", options: AlertsOptions, config: Config = loadConfig()): Promise<void> {
  // The file is checked before anything connects: a malformed rule fails at once, naming itself.
  const rules = await loadRules(options.rules);
  if (action === "check") {
    const outcomes = await withWarehouse(config, (db) => checkAlerts(config, db, rules));
    process.stdout.write(`${formatOutcomes(outcomes)}\n`);
    if (outcomes.some((o) => typeof o.email !== "string")) process.exitCode = 2;
    return;
  }
  const states = new Map((await withWarehouse(config, alertStates)).map((s) => [s.rule, s]));
  const lines = rules.rules.map((rule) => {
    const s = states.get(rule.name);
    const state = !s ? "never evaluated" : `${s.firing ? "FIRING" : "ok"} since ${s.since} [${s.period}], last sent ${s.lastSent ?? "never"}`;
    return `${rule.name}  (${rule.kind})  ${rule.description ?? ""}\n    ${state}${s ? `\n    ${s.summary}` : ""}`;
  });
  process.stdout.write(`${rules.file}\n${lines.join("\n")}\n`);
}

/**
 * After an ETL run: checks the repository's rules (ALERT_RULES names another file). A failure is
 * logged and never fails the run that called it.
 */
export async function checkAlertsAfterRun(config: Config, db: MySql, rulesFile?: string): Promise<void> {
  try {
    const rules: RulesFile = await loadRules(rulesFile ?? process.env.ALERT_RULES);
    const outcomes = await checkAlerts(config, db, rules);
    const firing = outcomes.filter((o) => o.firing);
    log(`alerts: ${firing.length} of ${outcomes.length} rules firing${firing.length ? `: ${firing.map((o) => `${o.rule} [${o.period}] (${emailNote(o.email)})`).join("; ")}` : ""}`);
  } catch (error) {
    log(`alerts: not checked after this run (the run itself succeeded): ${describe(error)}`);
  }
}
