/** @module The MySQL outbox: queue a message once per idempotency key (user + day + kind). */
import type { MySql } from "../../stores/mysql.ts";
import type { Inspiration } from "../inspiration/choose.ts";
import type { Profile } from "../users.ts";
import { inspirationEmail, inspirationSms, signUpAttemptEmail } from "./message.ts";

export type Channel = "email" | "sms";
export type OutboxRow = {
  message_id: number; idempotency_key: string; user_id: number; kind: string; channel: Channel; recipient: string; subject: string | null;
  body_text: string; body_html: string | null; quote_id: number | null; status: string; attempts: number; next_attempt_at: string;
  last_error: string | null; provider_id: string | null; created_at: string; sent_at: string | null;
};

/** Messages about the account itself (not marketing): sent without the user's marketing consent. */
export const ACCOUNT_NOTICE = "account_notice";

/** Whether the user may be sent this message, and why not when they may not. */
export function consentProblem(user: Profile, channel: string, kind = "inspiration"): string | null {
  if (kind === ACCOUNT_NOTICE) return null;
  if (channel === "email") return user.email_consent ? null : "The user has not consented to e-mail: set consent.email to true first.";
  if (channel === "sms") return !user.sms_consent ? "The user has not consented to SMS." : user.phone ? null : "The user has no phone number for SMS.";
  return `Inspire cannot send by "${channel}": choose email or sms in PUT /v1/me/goals.`;
}

export type Inspiring = { user: Profile; channel: Channel; inspiration: Inspiration; at: Date };

const INSERT_INSPIRATION = `INSERT IGNORE INTO notification_outbox (idempotency_key, user_id, kind, channel, recipient, subject, body_text, body_html, quote_id, next_attempt_at) VALUES`;
const inspirationKey = (userId: number, inspiration: Inspiration, kind: string) => `${userId}:${inspiration.date}:${kind}`;

/** The outbox row of one message, in the columns of INSERT_INSPIRATION. */
function inspirationRow({ user, channel, inspiration, at }: Inspiring, kind: string): unknown[] {
  const email = channel === "email" ? inspirationEmail(user.first_name, inspiration) : null;
  return [inspirationKey(user.user_id, inspiration, kind), user.user_id, kind, channel, email ? user.email : user.phone, email?.subject ?? null,
    email ? email.text : inspirationSms(inspiration), email?.html ?? null, inspiration.quote?.id ?? null, at];
}

/** Queues the inspiration for `user` by `channel` at `at`; a second call with the same key changes nothing. Returns the row, and whether this call made it. */
export async function enqueueInspiration(mysql: MySql, user: Profile, channel: Channel, inspiration: Inspiration, kind: string, at: Date): Promise<{ row: OutboxRow; created: boolean }> {
  const [result] = await mysql.query(`${INSERT_INSPIRATION} (?)`, [inspirationRow({ user, channel, inspiration, at }, kind)]);
  const [rows] = await mysql.query("SELECT * FROM notification_outbox WHERE idempotency_key = ?", [inspirationKey(user.user_id, inspiration, kind)]);
  return { row: (rows as OutboxRow[])[0], created: (result as { affectedRows: number }).affectedRows === 1 };
}

/** Queues many messages in one statement, each once per key as `enqueueInspiration` does; returns how many this call made. */
export async function enqueueInspirations(mysql: MySql, messages: Inspiring[], kind: string): Promise<number> {
  if (!messages.length) return 0;
  const [result] = await mysql.query(`${INSERT_INSPIRATION} ?`, [messages.map((m) => inspirationRow(m, kind))]);
  return (result as { affectedRows: number }).affectedRows;
}

/** Tells the owner of `email` that someone tried to sign up with it (at most once a day); nothing when no account has it. */
export async function noticeSignUpAttempt(mysql: MySql, email: string, at: Date): Promise<void> {
  const [users] = await mysql.query("SELECT user_id, first_name FROM users WHERE email = ?", [email]);
  const user = (users as Array<{ user_id: number; first_name: string }>)[0];
  if (!user) return;
  const notice = signUpAttemptEmail(user.first_name);
  await mysql.query(
    `INSERT IGNORE INTO notification_outbox (idempotency_key, user_id, kind, channel, recipient, subject, body_text, body_html, next_attempt_at)
     VALUES (?, ?, ?, 'email', ?, ?, ?, ?, ?)`,
    [`${user.user_id}:${at.toISOString().slice(0, 10)}:${ACCOUNT_NOTICE}`, user.user_id, ACCOUNT_NOTICE, email, notice.subject, notice.text, notice.html, at],
  );
}
