/**
 * @module E-mail through nodemailer: to the SMTP server in `SMTP_URL`, or, when it is unset, as an
 * `.eml` file in `DATA_DIR/outbox/email/` (open it in any mail client). Used by the report digest
 * and by Inspire's notifications.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import nodemailer, { type Transporter } from "nodemailer";
import { outboxDir, type Config } from "./config.ts";
import { writeFileAtomic } from "./files.ts";
import { UserError, redactUrl } from "./errors.ts";

export type Mail = {
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Inline images are referenced from the HTML as `cid:<cid>`. */
  attachments?: Array<{ filename: string; content: Buffer; cid?: string; contentType?: string }>;
  headers?: Record<string, string>;
  /** A stable Message-ID (for example from an idempotency key), so that a resend can be recognised. */
  messageId?: string;
};

export type Delivery = { via: "smtp" | "outbox"; messageId: string; accepted: string[]; file?: string };

export async function sendMail(config: Config, mail: Mail): Promise<Delivery> {
  const message = { from: config.mailFrom, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, attachments: mail.attachments, headers: mail.headers, messageId: mail.messageId };
  if (config.smtpUrl) {
    let transport: Transporter;
    try {
      transport = nodemailer.createTransport(config.smtpUrl);
    } catch (error) {
      throw new UserError(`SMTP_URL "${redactUrl(config.smtpUrl)}" is not usable (${(error as Error).message}): use smtp://user:pass@host:587.`, 2);
    }
    try {
      const info = await transport.sendMail(message);
      return { via: "smtp", messageId: info.messageId, accepted: (info.accepted as string[]).map(String) };
    } finally {
      transport.close();
    }
  }
  const info = await nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" }).sendMail(message);
  const dir = join(outboxDir(config), "email");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}-${info.messageId.replace(/[^A-Za-z0-9]/g, "").slice(0, 24)}.eml`);
  await writeFileAtomic(file, info.message as Buffer);
  return { via: "outbox", messageId: info.messageId, accepted: mail.to, file };
}
