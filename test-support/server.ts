/** @module Test helpers for the server: a running Inspire over a loaded tiny world, and a small HTTP client. */
import type { AddressInfo } from "node:net";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { SMTPServer } from "smtp-server";
import { simpleParser, type ParsedMail } from "mailparser";
import type { Config } from "../lib/config.ts";
import { startServer, type Running, type ServeOptions } from "../server/serve.ts";

export type Reply = { status: number; body: any; headers: Headers };

export function client(base: string) {
  return async (method: string, path: string, options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const response = await fetch(`${base}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
}

/** A real SMTP server that keeps every message it receives. */
export async function smtpSink(): Promise<{ url: string; mails: ParsedMail[]; close(): Promise<void> }> {
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, callback) {
      simpleParser(stream, { skipImageLinks: true }).then((mail) => {
        mails.push(mail);
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** An HTTP server standing in for a Twilio-style SMS API; `up` switches it between 201 and 503. */
export async function smsProvider(): Promise<{ url: string; received: Array<{ to: string; body: string; token: string; auth: string }>; attempts: number; up: boolean; close(): Promise<void> }> {
  const state = { received: [] as Array<{ to: string; body: string; token: string; auth: string }>, attempts: 0, up: true };
  const read = (req: IncomingMessage) => new Promise<string>((resolve) => {
    let data = "";
    req.on("data", (chunk) => (data += chunk));
    req.on("end", () => resolve(data));
  });
  const server: Server = createServer(async (req, res) => {
    const form = new URLSearchParams(await read(req));
    state.attempts++;
    if (!state.up) {
      res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ message: "Service Unavailable" }));
      return;
    }
    state.received.push({ to: form.get("To") ?? "", body: form.get("Body") ?? "", token: String(req.headers["i-twilio-idempotency-token"] ?? ""), auth: String(req.headers.authorization ?? "") });
    res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ sid: `SM${state.received.length}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://ACtest:secret@127.0.0.1:${port}/2010-04-01/Accounts/ACtest/Messages.json`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/**
 * Inspire on a free port, with a quick dispatcher (short backoff) for tests. Every test signs up from
 * 127.0.0.1, so the sign-up throttle is raised here; its own test runs it at the default.
 */
export function startTestServer(config: Config, reportsDir: string, options: Partial<ServeOptions> = {}): Promise<Running> {
  return startServer(config, { port: 0, reportsDir, logLevel: "silent", dispatcher: { baseDelayMs: 150, maxDelayMs: 400, pollMs: 100, maxAttempts: 4 }, throttles: { signUpsPerSource: 1000 }, ...options });
}

/** Waits until `check` returns a truthy value (polling), or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, ms = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
