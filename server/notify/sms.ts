/**
 * @module SMS through a Twilio-style HTTP API: `SMS_URL` is the Messages endpoint, credentials in its
 * user-info (`https://SID:TOKEN@api.twilio.com/2010-04-01/Accounts/SID/Messages.json`); a form POST of
 * To, From and Body. Without `SMS_URL`, each message is a JSON file in `DATA_DIR/outbox/sms/`.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { outboxDir, type Config } from "../../lib/config.ts";
import { writeFileAtomic } from "../../lib/files.ts";

export type SmsDelivery = { via: "http" | "outbox"; id: string };

export async function sendSms(config: Config, { to, body, idempotencyKey }: { to: string; body: string; idempotencyKey: string }): Promise<SmsDelivery> {
  if (!config.smsUrl) {
    const dir = join(outboxDir(config), "sms");
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${idempotencyKey.replace(/[^A-Za-z0-9-]/g, "_")}.json`);
    await writeFileAtomic(file, `${JSON.stringify({ to, from: config.smsFrom, body, idempotency_key: idempotencyKey, queued_at: new Date().toISOString() }, null, 2)}\n`);
    return { via: "outbox", id: file };
  }
  const url = new URL(config.smsUrl);
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", "i-twilio-idempotency-token": idempotencyKey };
  if (url.username) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
  url.username = "";
  url.password = "";
  const response = await fetch(url, { method: "POST", headers, body: new URLSearchParams({ To: to, From: config.smsFrom, Body: body }), signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`SMS provider answered ${response.status}: ${text.slice(0, 200)}`);
  let id = "";
  try {
    id = String((JSON.parse(text) as { sid?: string }).sid ?? "");
  } catch {
    id = "";
  }
  return { via: "http", id };
}
