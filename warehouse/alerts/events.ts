/**
 * @module Alerts in MySQL: each rule's latest state (`alert_state`) and each rule × period that fired
 * (`alert_events`), whose row is claimed before its e-mail is sent, so that checks running at once
 * send it once.
 */
import type { MySql } from "../../stores/mysql.ts";
import type { Evaluation } from "./evaluate.ts";

/** A claim older than this, never marked sent (its process died mid-send), may be taken again. */
const CLAIM_TIMEOUT_MIN = 10;

export type AlertState = { rule: string; title: string; firing: boolean; since: string; period: string; summary: string; evaluatedAt: string; lastSent: string | null };
/** A firing alert as the report's summary shows it. */
export type FiringAlert = Pick<AlertState, "rule" | "title" | "period" | "summary" | "since">;

const mysqlTime = (d: Date) => d.toISOString().replace("T", " ").replace("Z", "");

/** Records `evaluation` as its rule's latest state; `since` moves only when the rule turns firing or ok. */
export async function recordState(db: MySql, evaluation: Evaluation, at: Date): Promise<void> {
  const { rule } = evaluation;
  // MySQL applies the assignments in order: `since` compares against the old `firing`.
  await db.query(
    `INSERT INTO alert_state (rule, title, firing, since, period, summary, evaluated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE since = IF(firing = VALUES(firing), since, VALUES(since)), firing = VALUES(firing), title = VALUES(title),
       period = VALUES(period), summary = VALUES(summary), evaluated_at = VALUES(evaluated_at)`,
    [rule.name, (rule.description ?? rule.name).slice(0, 200), evaluation.firing, mysqlTime(at), evaluation.period.slice(0, 48), evaluation.summary, mysqlTime(at)],
  );
}

/** Forgets the states of rules no longer in the rules file, so that the report shows none of them. */
export async function forgetOtherRules(db: MySql, rules: string[]): Promise<void> {
  await db.query("DELETE FROM alert_state WHERE rule NOT IN (?)", [rules.length ? rules : [""]]);
}

/** Records that a rule fired for a period; the first record of a rule and period stays. */
export async function recordEvent(db: MySql, evaluation: Evaluation, at: Date): Promise<void> {
  await db.query("INSERT IGNORE INTO alert_events (rule, period, summary, breaches, fired_at) VALUES (?, ?, ?, ?, ?)", [
    evaluation.rule.name, evaluation.period.slice(0, 48), evaluation.summary, JSON.stringify(evaluation.breaches), mysqlTime(at),
  ]);
}

/** Claims a recorded event's e-mail: true when this caller is to send it (nobody sent it, nor is sending it). */
export async function claimEvent(db: MySql, evaluation: Evaluation): Promise<boolean> {
  const key = [evaluation.rule.name, evaluation.period.slice(0, 48)];
  const [result] = await db.query(
    `UPDATE alert_events SET claimed_at = NOW(3)
     WHERE rule = ? AND period = ? AND sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < NOW(3) - INTERVAL ${CLAIM_TIMEOUT_MIN} MINUTE)`,
    key,
  );
  return (result as { affectedRows: number }).affectedRows === 1;
}

export async function markSent(db: MySql, evaluation: Evaluation, recipients: string[]): Promise<void> {
  await db.query("UPDATE alert_events SET sent_at = NOW(3), recipients = ? WHERE rule = ? AND period = ?", [recipients.join(", "), evaluation.rule.name, evaluation.period.slice(0, 48)]);
}

/** Gives the claim back after a failed send, so that the next check tries again. */
export async function releaseClaim(db: MySql, evaluation: Evaluation): Promise<void> {
  await db.query("UPDATE alert_events SET claimed_at = NULL WHERE rule = ? AND period = ? AND sent_at IS NULL", [evaluation.rule.name, evaluation.period.slice(0, 48)]);
}

/** Whether the e-mail for this rule and period has gone out already. */
export async function wasSent(db: MySql, evaluation: Evaluation): Promise<boolean> {
  const [rows] = await db.query("SELECT sent_at FROM alert_events WHERE rule = ? AND period = ?", [evaluation.rule.name, evaluation.period.slice(0, 48)]);
  return Boolean((rows as Array<{ sent_at: string | null }>)[0]?.sent_at);
}

/** Every rule's latest state, with when its last e-mail went out. */
export async function alertStates(db: MySql): Promise<AlertState[]> {
  const [rows] = await db.query(
    `SELECT s.rule, s.title, s.firing, s.since, s.period, s.summary, s.evaluated_at, (SELECT MAX(e.sent_at) FROM alert_events e WHERE e.rule = s.rule) AS last_sent
     FROM alert_state s ORDER BY s.rule`,
  );
  return (rows as Array<{ rule: string; title: string; firing: number; since: string; period: string; summary: string; evaluated_at: string; last_sent: string | null }>).map((r) => ({
    rule: r.rule, title: r.title, firing: Boolean(r.firing), since: r.since, period: r.period, summary: r.summary, evaluatedAt: r.evaluated_at, lastSent: r.last_sent,
  }));
}

/** The rules firing at their latest evaluation, longest firing first: for the report's summary. */
export async function firingAlerts(db: MySql): Promise<FiringAlert[]> {
  return (await alertStates(db)).filter((s) => s.firing).sort((a, b) => a.since.localeCompare(b.since)).map(({ rule, title, period, summary, since }) => ({ rule, title, period, summary, since }));
}
