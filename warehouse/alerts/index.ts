/**
 * @module Alerts: evaluates every rule of the rules file, records each one's state, and sends one
 * e-mail per rule and period that fires (through lib/mail: SMTP_URL, or the outbox folder). Run by
 * `nike alerts check` and after each `nike etl` run that published something.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Config } from "../../lib/config.ts";
import { UserError, describe } from "../../lib/errors.ts";
import { html } from "../../lib/html.ts";
import { sendMail, type Mail } from "../../lib/mail.ts";
import type { MySql } from "../../stores/mysql.ts";
import { evaluateRule, type Evaluation } from "./evaluate.ts";
import { claimEvent, forgetOtherRules, markSent, recordEvent, recordState, releaseClaim, wasSent } from "./events.ts";
import type { RulesFile } from "./rules.ts";

export { DEFAULT_RULES_FILE, loadRules, parseRules, type Rule, type RulesFile } from "./rules.ts";
export { alertStates, firingAlerts, type AlertState, type FiringAlert } from "./events.ts";

/** What a check did with one rule. */
export type AlertOutcome = {
  rule: string;
  title: string;
  period: string;
  firing: boolean;
  summary: string;
  email: "sent" | "already sent" | "being sent by another check" | "no recipients" | "not firing" | { failed: string };
};

/** Who alerts go to: `ALERT_EMAILS` (comma-separated) when set, else the rules file's `recipients`. */
export function alertRecipients(rules: RulesFile, env: NodeJS.ProcessEnv = process.env): string[] {
  const list = env.ALERT_EMAILS?.split(",").map((a) => a.trim()).filter(Boolean);
  if (!list?.length) return rules.recipients;
  const bad = list.filter((a) => !z.email().safeParse(a).success);
  if (bad.length) throw new UserError(`ALERT_EMAILS has addresses that are not valid: ${bad.join(", ")} (use a@example.com,b@example.com).`);
  return list;
}

/** The e-mail for a firing rule; its Message-ID derives from the rule and period, so a resend is recognisable. */
export function alertEmail(evaluation: Evaluation, to: string[]): Mail {
  const { rule, period, summary, breaches } = evaluation;
  const title = rule.description ?? rule.name;
  const rows = breaches.map((b) => ({ group: b.group ?? "all", value: b.value, previous: b.previous, change: b.change === undefined ? undefined : `${b.change > 0 ? "+" : ""}${b.change}%` }));
  const hasPrevious = rows.some((r) => r.previous !== undefined);
  const id = createHash("sha256").update(`${rule.name}\n${period}`).digest("hex").slice(0, 24);
  return {
    to,
    subject: `Alert: ${title} (${period})`,
    text: `${title}\nRule ${rule.name} (${rule.kind}) fired for ${period}.\n\n${summary}\n\n${rows.map((r) => `- ${r.group}: ${r.value}${hasPrevious ? ` (previous ${r.previous}, ${r.change})` : ""}`).join("\n")}\n\nSent once per rule and period by nike alerts.\n`,
    html: html`<!doctype html><html><body style="font-family: sans-serif">
<h1 style="font-size: 18px">${title}</h1>
<p>Rule <code>${rule.name}</code> (${rule.kind}) fired for <strong>${period}</strong>.</p>
<p>${summary}</p>
<table style="border-collapse: collapse"><tr><th align="left">group</th><th align="right">value</th>${hasPrevious ? html`<th align="right">previous</th><th align="right">change</th>` : ""}</tr>
${rows.map((r) => html`<tr><td>${r.group}</td><td align="right">${r.value}</td>${hasPrevious ? html`<td align="right">${r.previous ?? ""}</td><td align="right">${r.change ?? ""}</td>` : ""}</tr>`)}</table>
<p style="color: #6b7280">Sent once per rule and period by <code>nike alerts</code>.</p>
</body></html>`.toString(),
    messageId: `<alert.${id}@nike-workbench.local>`,
  };
}

/** Sends the e-mail of a firing evaluation unless it went out (or is going out) already. */
async function deliver(config: Config, db: MySql, evaluation: Evaluation, recipients: string[], now: Date): Promise<AlertOutcome["email"]> {
  await recordEvent(db, evaluation, now);
  if (recipients.length === 0) return (await wasSent(db, evaluation)) ? "already sent" : "no recipients";
  if (!(await claimEvent(db, evaluation))) return (await wasSent(db, evaluation)) ? "already sent" : "being sent by another check";
  try {
    await sendMail(config, alertEmail(evaluation, recipients));
  } catch (error) {
    await releaseClaim(db, evaluation);
    return { failed: describe(error) };
  }
  await markSent(db, evaluation, recipients);
  return "sent";
}

/**
 * Evaluates every rule (in file order), records its state and e-mails what newly fires. `now` is the
 * clock for freshness and the recorded times; metric rules follow the data's own latest date.
 */
export async function checkAlerts(config: Config, db: MySql, rules: RulesFile, options: { recipients?: string[]; now?: Date } = {}): Promise<AlertOutcome[]> {
  const now = options.now ?? new Date();
  const recipients = options.recipients ?? alertRecipients(rules);
  await forgetOtherRules(db, rules.rules.map((r) => r.name));
  const outcomes: AlertOutcome[] = [];
  for (const rule of rules.rules) {
    const evaluation = await evaluateRule(db, rule, now);
    await recordState(db, evaluation, now);
    const email = evaluation.firing ? await deliver(config, db, evaluation, recipients, now) : "not firing";
    outcomes.push({ rule: rule.name, title: rule.description ?? rule.name, period: evaluation.period, firing: evaluation.firing, summary: evaluation.summary, email });
  }
  return outcomes;
}
