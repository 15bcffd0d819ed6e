/**
 * @module The outbox dispatcher: claims due messages one at a time (a conditional UPDATE, so two
 * dispatchers never send the same row), sends each by its channel, and marks it sent exactly once.
 * A failure backs off exponentially; after `maxAttempts` the message goes to dead-letter. Consent is
 * checked again at send time. A message left `sending` by a crash is retried after a lease.
 */
import type { Logger } from "pino";
import type { Config } from "../../lib/config.ts";
import { sendMail } from "../../lib/mail.ts";
import type { MySql } from "../../stores/mysql.ts";
import { profile } from "../users.ts";
import { consentProblem, type OutboxRow } from "./outbox.ts";
import { sendSms } from "./sms.ts";

export type DispatcherOptions = { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number; pollMs?: number; leaseMs?: number };

export class Dispatcher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  /** idle until start(); a pass run by hand (runOnce) works in any state but stopped. */
  private state: "idle" | "running" | "stopped" = "idle";
  private again = false;
  readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;

  constructor(
    private readonly deps: { config: Config; mysql: MySql; log: Logger },
    options: DispatcherOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 30_000;
    this.maxDelayMs = options.maxDelayMs ?? 3_600_000;
    this.pollMs = options.pollMs ?? 5_000;
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
  }

  start(): void {
    this.state = "running";
    this.wake();
  }

  /** Runs a pass now (or right after the current one). */
  wake(): void {
    if (this.state !== "running") return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.runOnce()
      .then(() => undefined, (error) => this.deps.log.error({ err: error }, "dispatcher pass failed"))
      .finally(() => {
        this.running = undefined;
        if (this.state !== "running") return;
        if (this.again) {
          this.again = false;
          this.wake();
        } else this.timer = setTimeout(() => this.wake(), this.pollMs);
      });
  }

  /** Stops polling and waits for the message in flight. */
  async stop(): Promise<void> {
    this.state = "stopped";
    clearTimeout(this.timer);
    await this.running;
  }

  /** Sends every message due now, a batch at a time; returns how many were sent. */
  async runOnce(): Promise<number> {
    const { mysql } = this.deps;
    let sent = 0;
    for (;;) {
      const [due] = await mysql.query(
        `SELECT message_id FROM notification_outbox
         WHERE status IN ('pending', 'sending') AND next_attempt_at <= NOW(3)
         ORDER BY next_attempt_at, message_id LIMIT 100`,
      );
      const batch = due as Array<{ message_id: number }>;
      let progressed = 0;
      for (const { message_id } of batch) {
        if (this.state === "stopped") return sent;
        const outcome = await this.deliver(message_id);
        if (outcome !== "skipped") progressed++;
        if (outcome === "sent") sent++;
      }
      // A failed message is rescheduled later, so each batch makes progress; stop when nothing is due.
      if (batch.length < 100 || progressed === 0) return sent;
    }
  }

  private async deliver(messageId: number): Promise<"sent" | "failed" | "cancelled" | "skipped"> {
    const { mysql, config, log } = this.deps;
    const [claimed] = await mysql.query(
      `UPDATE notification_outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = NOW(3) + INTERVAL ? SECOND
       WHERE message_id = ? AND status IN ('pending', 'sending') AND next_attempt_at <= NOW(3)`,
      [this.leaseMs / 1000, messageId],
    );
    if ((claimed as { affectedRows: number }).affectedRows !== 1) return "skipped";
    const [rows] = await mysql.query("SELECT * FROM notification_outbox WHERE message_id = ?", [messageId]);
    const message = (rows as OutboxRow[])[0];
    const user = await profile(mysql, message.user_id);
    const problem = user ? consentProblem(user, message.channel, message.kind) : "The user no longer exists.";
    if (problem) {
      await mysql.query("UPDATE notification_outbox SET status = 'cancelled', last_error = ? WHERE message_id = ? AND status = 'sending'", [problem, messageId]);
      return "cancelled";
    }
    try {
      const providerId =
        message.channel === "email"
          ? (await sendMail(config, { to: [message.recipient], subject: message.subject ?? "Inspire", text: message.body_text, html: message.body_html ?? message.body_text, messageId: `<${message.idempotency_key}@inspire.nike-workbench>` })).messageId
          : (await sendSms(config, { to: message.recipient, body: message.body_text, idempotencyKey: message.idempotency_key })).id;
      await mysql.query("UPDATE notification_outbox SET status = 'sent', sent_at = NOW(3), provider_id = ?, last_error = NULL WHERE message_id = ? AND status = 'sending'", [providerId.slice(0, 190), messageId]);
      if (message.quote_id !== null) {
        await mysql.query("INSERT IGNORE INTO quote_history (user_id, quote_id, sent_on) VALUES (?, ?, ?)", [message.user_id, message.quote_id, message.idempotency_key.split(":")[1]]);
      }
      log.info({ message_id: messageId, channel: message.channel, attempts: message.attempts }, "notification sent");
      return "sent";
    } catch (error) {
      const reason = (error as Error).message.slice(0, 500);
      if (message.attempts >= this.maxAttempts) {
        await mysql.query("UPDATE notification_outbox SET status = 'dead', last_error = ? WHERE message_id = ?", [reason, messageId]);
        log.warn({ message_id: messageId, attempts: message.attempts, error: reason }, "notification dead-lettered");
      } else {
        const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (message.attempts - 1));
        await mysql.query("UPDATE notification_outbox SET status = 'pending', next_attempt_at = NOW(3) + INTERVAL ? SECOND, last_error = ? WHERE message_id = ?", [delay / 1000, reason, messageId]);
        log.warn({ message_id: messageId, attempts: message.attempts, retry_in_ms: delay, error: reason }, "notification failed, will retry");
      }
      return "failed";
    }
  }
}
