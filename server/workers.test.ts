/**
 * `nike serve --workers 2`, the real command: what must be shared is shared between the worker
 * processes. Each response names its worker (INSPIRE_WORKER_HEADER=1); a request on a new connection
 * goes to the next worker in turn, and a kept-alive connection stays with its worker.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { once } from "node:events";
import { request, Agent } from "node:http";
import { createServer } from "node:net";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboxDir } from "../lib/config.ts";
import { connectMysql, type MySql } from "../stores/mysql.ts";
import type { World } from "../test-support/world.ts";
import { loadedWorld } from "../test-support/published-world.ts";
import { eventually } from "../test-support/server.ts";
import { hashPassword } from "./auth/passwords.ts";

const BIN = join(import.meta.dirname, "..", "bin", "nike.mjs");
const PASSWORD = "workers password 1";

type Reply = { status: number; worker: number; body: any };
type Options = { token?: string; body?: unknown; agent?: Agent };

let world: World;
let db: MySql;
let serverProcess: ChildProcessByStdio<null, Readable, Readable>;
let base: string;
let output = "";
let users: Array<{ user_id: number; email: string }>;

function serve(args: string[]) {
  const env: Record<string, string | undefined> = { ...process.env, DATA_DIR: world.dataDir, MYSQL_URL: world.config.mysqlUrl, CI: "true", NIKE_VERBOSE: "1", LOG_LEVEL: "warn", INSPIRE_WORKER_HEADER: "1" };
  delete env.SMTP_URL;
  delete env.SMS_URL;
  return spawn(process.execPath, [BIN, "serve", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
}

/** One request; without an agent, on a connection of its own (so the next worker in turn answers it). */
function call(method: string, path: string, options: Options = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (payload) headers["content-type"] = "application/json";
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers, agent: options.agent ?? false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => {
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {}
        resolve({ status: res.statusCode!, worker: Number(res.headers["x-inspire-worker"]), body });
      });
    });
    req.on("error", reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
    req.end(payload);
  });
}

/** A kept-alive connection to each of the two workers. */
async function connectionPerWorker(): Promise<Map<number, Agent>> {
  const byWorker = new Map<number, Agent>();
  for (let i = 0; i < 20 && byWorker.size < 2; i++) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const { worker } = await call("GET", "/health", { agent });
    if (byWorker.has(worker)) agent.destroy();
    else byWorker.set(worker, agent);
  }
  expect(byWorker.size).toBe(2);
  return byWorker;
}

async function logIn(email: string): Promise<string> {
  const reply = await call("POST", "/v1/sessions", { body: { email, password: PASSWORD } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body.token;
}

beforeAll(async () => {
  world = await loadedWorld(47);
  db = await connectMysql(world.config.mysqlUrl, 2);
  const [rows] = await db.query("SELECT user_id, email FROM users ORDER BY user_id LIMIT 80");
  users = rows as typeof users;
  await db.query("UPDATE users SET password_hash = ? WHERE user_id <= ?", [await hashPassword(PASSWORD), users[4].user_id]);
  serverProcess = serve(["--workers", "2", "--port", "0"]);
  serverProcess.stderr.on("data", (d) => (output += d));
  serverProcess.stdout.setEncoding("utf8");
  for await (const chunk of serverProcess.stdout) {
    output += chunk;
    if (/Inspire: .*\n/.test(output)) break;
  }
  serverProcess.stdout.on("data", (d) => (output += d));
  base = /Inspire: (http:\/\/[^/]+)\/app/.exec(output)?.[1] ?? "";
  expect(base, output).not.toBe("");
  expect(output).toContain("2 worker processes");
}, 180_000);

afterAll(async () => {
  if (serverProcess && serverProcess.exitCode === null) {
    serverProcess.kill("SIGKILL");
    await once(serverProcess, "exit");
  }
  await db?.end();
  await world?.dispose();
});

describe("nike serve --workers 2", () => {
  it("answers from both workers on one port, with the banner printed once", async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 4; i++) seen.add((await call("GET", "/health")).worker);
    expect(seen.size).toBe(2);
    expect(output.match(/Inspire: /g)).toHaveLength(1);
  });

  it("a token logged out through one worker is refused by the other on its next request", async () => {
    const token = await logIn(users[0].email);
    const [[first, viaFirst], [, viaSecond]] = [...(await connectionPerWorker())];
    // Both workers have the live session cached.
    expect((await call("GET", "/v1/me/goals", { token, agent: viaFirst })).status).toBe(200);
    expect((await call("GET", "/v1/me/goals", { token, agent: viaSecond })).status).toBe(200);
    const out = await call("DELETE", "/v1/sessions/current", { token, agent: viaFirst });
    expect([out.status, out.worker]).toEqual([204, first]);
    const next = await call("GET", "/v1/me/goals", { token, agent: viaSecond });
    expect(next.status).toBe(401);
    expect(next.worker).not.toBe(first);
    for (const agent of [viaFirst, viaSecond]) agent.destroy();
  });

  it("an erasure through one worker ends the user's sessions in the other at once", async () => {
    const token = await logIn(users[1].email);
    const [[first, viaFirst], [, viaSecond]] = [...(await connectionPerWorker())];
    expect((await call("GET", "/v1/me/inspiration", { token, agent: viaFirst })).status).toBe(200);
    expect((await call("GET", "/v1/me/inspiration", { token, agent: viaSecond })).status).toBe(200);
    const erased = await call("DELETE", "/v1/me", { token, agent: viaFirst });
    expect([erased.status, erased.worker]).toEqual([200, first]);
    const next = await call("GET", "/v1/me/inspiration", { token, agent: viaSecond });
    expect(next.status).toBe(401);
    expect(next.worker).not.toBe(first);
    for (const agent of [viaFirst, viaSecond]) agent.destroy();
  });

  it("counts failed logins across workers: five spread over both trip the limit for the right password too", async () => {
    const email = users[2].email;
    const workers = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const wrong = await call("POST", "/v1/sessions", { body: { email, password: "not the password" } });
      expect(wrong.status).toBe(401);
      workers.add(wrong.worker);
    }
    expect(workers.size).toBe(2);
    for (let i = 0; i < 2; i++) {
      const refused = await call("POST", "/v1/sessions", { body: { email, password: PASSWORD } });
      expect(refused.status).toBe(429);
    }
  });

  it("sends each queued message once, with a dispatcher in every worker", async () => {
    const queued = users.slice(10, 70);
    const today = new Date().toISOString().slice(0, 10);
    for (const user of queued) {
      await db.query(
        `INSERT INTO notification_outbox (idempotency_key, user_id, kind, channel, recipient, subject, body_text, next_attempt_at)
         VALUES (?, ?, 'account_notice', 'email', ?, 'Workers test', 'A notice.', NOW(3))`,
        [`${user.user_id}:${today}:workers-test`, user.user_id, user.email],
      );
    }
    // A sign-up with a taken address wakes the dispatcher of the worker that took it: wake both at once.
    const wakes = await Promise.all(users.slice(70, 72).map((user) => call("POST", "/v1/users", {
      body: { name: "Taken Address", email: user.email, password: "some password 123", date_of_birth: "1990-01-01", city: "Denver", region: "CO", shopping_preference: "Both", consent: { email: false, sms: false } },
    })));
    expect(wakes.map((r) => r.status)).toEqual([202, 202]);
    expect(new Set(wakes.map((r) => r.worker)).size).toBe(2);
    const expected = queued.length + 2;
    const files = await eventually(async () => {
      const [rows] = await db.query("SELECT COUNT(*) AS n FROM notification_outbox WHERE status = 'sent'");
      if ((rows as Array<{ n: number }>)[0].n < expected) return undefined;
      return readdir(join(outboxDir(world.config), "email"));
    }, 30_000, "every message sent");
    const [pending] = await db.query("SELECT status, COUNT(*) AS n, MAX(attempts) AS attempts FROM notification_outbox GROUP BY status");
    expect(pending).toEqual([{ status: "sent", n: expected, attempts: 1 }]);
    const ids = await Promise.all(files.map(async (file) => /^Message-ID: (.+)$/im.exec(await readFile(join(outboxDir(world.config), "email", file), "utf8"))?.[1]));
    expect(ids).toHaveLength(expected);
    expect(new Set(ids).size).toBe(expected);
  });

  it("replaces a worker that dies, and keeps answering meanwhile", async () => {
    const before = new Set<number>();
    for (let i = 0; i < 4; i++) before.add((await call("GET", "/health")).worker);
    const [victim, survivor] = [...before];
    process.kill(victim, "SIGKILL");
    // Once the primary has seen it die, the survivor answers everything while a new worker starts. (A
    // connection handed to a worker in the instant it is killed is lost with it: node:cluster's way.)
    await eventually(async () => output.includes(`worker ${victim} was killed by SIGKILL; starting another`), 10_000, "the primary to see the death");
    for (let i = 0; i < 3; i++) expect(await call("GET", "/health")).toMatchObject({ status: 200, worker: survivor });
    const replacement = await eventually(async () => {
      const { worker, status } = await call("GET", "/health");
      expect(status).toBe(200);
      return worker !== survivor && worker !== victim ? worker : undefined;
    }, 60_000, "a new worker");
    expect(replacement).toBeGreaterThan(0);
  });

  it("drains every worker on SIGTERM and exits 0", async () => {
    const workers = new Set<number>();
    for (let i = 0; i < 4; i++) workers.add((await call("GET", "/health")).worker);
    // A login whose body is still arriving when the signal comes gets its answer.
    const body = JSON.stringify({ email: users[3].email, password: PASSWORD });
    const exited = once(serverProcess, "exit");
    const answered = new Promise<number>((resolve, reject) => {
      const req = request(`${base}/v1/sessions`, { method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      req.write(body.slice(0, 10));
      setTimeout(() => {
        serverProcess.kill("SIGTERM");
        setTimeout(() => req.end(body.slice(10)), 300);
      }, 500);
    });
    expect(await answered).toBe(201);
    const [code] = await exited;
    expect(code).toBe(0);
    expect(output).toContain("shutting down: finishing in-flight requests in every worker");
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });

  it("fails with the workers' start error, printed once, when the port is taken", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const failing = serve(["--workers", "2", "--port", String(port)]);
      let stderr = "";
      failing.stderr.on("data", (d) => (stderr += d));
      failing.stdout.resume();
      const [code] = await once(failing, "exit");
      expect(code).toBe(1);
      expect(stderr.match(/is in use/g), stderr).toHaveLength(1);
      expect(stderr).toContain(`nike: port ${port} on 127.0.0.1 is in use: stop what listens there, or choose another --port.`);
    } finally {
      taken.close();
    }
  });
});
