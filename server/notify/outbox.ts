/** @module The MySQL outbox: queue a message once per idempotency key (user + day + kind). */
import type { MySql } from "../../stores/mysql.ts";
import type { Inspiration } from "../inspiration/choose.ts";
import type { Profile } from "../users.ts";
import { inspirationEmail, inspirationSms } from "./message.ts";

export type Channel = "email" | "sms";
export type OutboxRow = {
  message_id: number; idempotency_key: string; user_id: number; kind: string; channel: Channel; recipient: string; subject: string | null;
  body_text: string; body_html: string | null; quote_id: number | null; status: string; attempts: number; next_attempt_at: string;
  last_error: string | null; provider_id: string | null; created_at: string; sent_at: string | null;
};

/** Whether the user may be sent this channel, and why not when they may not. */
export function consentProblem(user: Profile, channel: string): string | null {
  if (channel === "email") return user.email_consent ? null : "The user has not consented to e-mail: set consent.email to true first.";
  if (channel === "sms") return !user.sms_consent ? "The user has not consented to SMS." : user.phone ? null : "The user has no phone number for SMS.";
  return `Inspire cannot send by "${channel}": choose email or sms in PUT /v1/me/goals.`;
}

/** Queues the inspiration for `user` by `channel` at `at`; a second call with the same key changes nothing. Returns the row, and whether this call made it. */
export async function enqueueInspiration(mysql: MySql, user: Profile, channel: Channel, inspiration: Inspiration, kind: string, at: Date): Promise<{ row: OutboxRow; created: boolean }> {
  const key = `${user.user_id}:${inspiration.date}:${kind}`;
  const email = inspirationEmail(user.first_name, inspiration);
  const [result] = await mysql.query(
    `INSERT IGNORE INTO notification_outbox (idempotency_key, user_id, kind, channel, recipient, subject, body_text, body_html, quote_id, next_attempt_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [key, user.user_id, kind, channel, channel === "email" ? user.email : user.phone, channel === "email" ? email.subject : null,
      channel === "email" ? email.text : inspirationSms(inspiration), channel === "email" ? email.html : null, inspiration.quote?.id ?? null, at],
  );
  const [rows] = await mysql.query("SELECT * FROM notification_outbox WHERE idempotency_key = ?", [key]);
  return { row: (rows as OutboxRow[])[0], created: (result as { affectedRows: number }).affectedRows === 1 };
}
