/**
 * The whole loop, live: the real processes side by side on the embedded defaults (no MONGODB_URI or
 * DYNAMODB_ENDPOINT), as an operator runs them — the local store service as a process of its own,
 * `nike serve` and `nike etl --follow` each in theirs — while users sign up and log workouts over
 * HTTP, an analyst runs `nike report` and `nike doctor`, and `nike notify schedule` queues messages.
 * Then the store service is killed with SIGKILL in the middle of a burst of writes and restarted: no
 * acknowledged workout may be lost or counted twice, and the server and the ETL carry on in their
 * own processes, reconnecting by themselves.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDuckDB } from "../lib/duckdb.ts";
import { pseudonym } from "../lib/pseudonym.ts";
import { mongoUriOf } from "../stores/local/locate.ts";
import { alive } from "../stores/local/owner-lock.ts";
import { readRecord, type ServiceRecord } from "../stores/local/service.ts";
import { client, eventually, type Reply } from "../test-support/server.ts";

const BIN = join(import.meta.dirname, "..", "bin", "nike.mjs");
const INTERVAL_MS = 2000;
/**
 * Each step's time limit, there to catch a hang, not to time the step: the steps spawn real processes
 * (about 45 s in all on an idle machine; step 4 alone took over 4 minutes with two test files running
 * beside other work on 2 cores).
 */
const STEP_MS = 600_000;
const PSEUDONYM_KEY = "live-system-test-key";
const BASE_URL = process.env.MYSQL_URL ?? "mysql://root@127.0.0.1:3306/nike";

// ---- the test's own world: a temp DATA_DIR and a MySQL database, both removed at the end ----------

let dataDir = "";
let database = "";
let mysqlUrl = "";
let db: mysql.Pool | undefined;
/** Every child process this test started, and every store service it saw: killed in afterAll if still there. */
const children = new Set<ChildProcess>();
const services: ServiceRecord[] = [];

/** The environment of every `nike` process: this world's DATA_DIR and MySQL, the embedded stores, no progress bars. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, MYSQL_URL: mysqlUrl, CI: "true", NIKE_VERBOSE: "1", NIKE_DEBUG: "1", LOG_LEVEL: "warn", PSEUDONYM_KEY };
  for (const name of ["MONGODB_URI", "MONGODB_DB", "DYNAMODB_ENDPOINT", "SMTP_URL", "SMS_URL", "LOCAL_STORES_IDLE"]) delete env[name];
  return env;
}

type Daemon = { child: ChildProcess; output(): string; exited: Promise<number | null> };
/** The end of a process's output, for a failure message. */
const tail = (d: Daemon) => d.output().slice(-4000);

/** Starts `nike <args>` (in DATA_DIR, so no stray `.env` is read) and keeps its output. */
function start(args: string[]): Daemon {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dataDir, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Runs `nike <args>` to the end: exit code and output (stdout and stderr apart). */
async function nike(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dataDir, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  children.delete(child);
  return { code, stdout, stderr };
}

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The record of the running store service, remembered for cleanup. */
function serviceRecord(): ServiceRecord {
  const record = readRecord(dataDir);
  if (!record) throw new Error(`no local-service.json in ${dataDir}`);
  services.push(record);
  return record;
}

const query = async <T>(sql: string, params: unknown[] = []) => (await db!.query(sql, params))[0] as T[];
const inList = (ids: number[]) => (ids.length ? ids.join(", ") : "NULL");

/** The fact_activity ids in MySQL for these users (found by their pseudonym). */
async function mysqlFacts(userIds: number[]): Promise<number[]> {
  const names = userIds.map((id) => pseudonym(PSEUDONYM_KEY, id));
  const rows = await query<{ activity_id: number }>(
    "SELECT f.activity_id FROM fact_activity f JOIN dim_user u ON u.user_key = f.user_key WHERE u.user_pseudonym IN (?) ORDER BY f.activity_id",
    [names],
  );
  return rows.map((r) => Number(r.activity_id));
}

/** The fact_activity ids in the lake (Hive-partitioned Parquet read with DuckDB) for these users; duplicates kept. */
async function lakeFacts(userIds: number[]): Promise<number[]> {
  const lake = join(dataDir, "lake");
  const names = userIds.map((id) => `'${pseudonym(PSEUDONYM_KEY, id)}'`).join(", ");
  const duck = await openDuckDB();
  try {
    const rows = await duck.all<{ activity_id: bigint }>(`
      SELECT f.activity_id
      FROM read_parquet('${lake}/fact_activity/**/*.parquet', hive_partitioning = true) f
      JOIN read_parquet('${lake}/dim_user/**/*.parquet') u ON u.user_key = f.user_key
      WHERE u.user_pseudonym IN (${names}) ORDER BY 1`);
    return rows.map((r) => Number(r.activity_id));
  } catch {
    return []; // a lake swap in progress: the caller polls again
  } finally {
    duck.close();
  }
}

/** Message-ID of every e-mail in DATA_DIR/outbox/email, with its recipient. */
function outboxMails(): Array<{ id: string; to: string }> {
  const dir = join(dataDir, "outbox", "email");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".eml"))
    .map((f) => {
      const text = readFileSync(join(dir, f), "utf8");
      return { id: /^Message-ID:\s*<([^>]+)>/im.exec(text)?.[1] ?? "", to: /^To:\s*(.+)$/im.exec(text)?.[1].trim() ?? "" };
    });
}

const mysqlServer = new URL(BASE_URL);
const mysqlOptions = { host: mysqlServer.hostname, port: Number(mysqlServer.port || 3306), user: decodeURIComponent(mysqlServer.username), password: decodeURIComponent(mysqlServer.password) };
async function admin(sql: string): Promise<void> {
  const conn = await mysql.createConnection(mysqlOptions);
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "nike-live-"));
  database = `nike_live_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const url = new URL(BASE_URL);
  url.pathname = `/${database}`;
  mysqlUrl = url.toString();
  await admin(`CREATE DATABASE \`${database}\``);
  db = mysql.createPool({ ...mysqlOptions, database, connectionLimit: 2 });
});

afterAll(async () => {
  // Whatever happened, no process of ours is left behind.
  for (const child of children) if (running(child)) child.kill("SIGKILL");
  const last = dataDir ? readRecord(dataDir) : undefined;
  for (const record of last ? [...services, last] : services) if (!record.stopped && alive(record)) process.kill(record.pid, "SIGKILL");
  await db?.end();
  if (database) await admin(`DROP DATABASE IF EXISTS \`${database}\``);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

// ---- the shared state of the steps below -----------------------------------------------------------

let service: ServiceRecord;
let serve: Daemon;
let follow: Daemon;
let http: ReturnType<typeof client>;
let factsAfterFullEtl = 0;
type TestUser = { userId: number; token: string; email: string };
const users: TestUser[] = [];
/** Workouts logged and acknowledged (201) before the crash: id → user. */
const earlier = new Map<number, number>();

describe("the whole loop, live: store service, server and ETL in their own processes", () => {
  it("1. starts the store service as its own process, generates, loads and runs a full ETL", async () => {
    const started = await nike(["stores", "start", "--idle", "0"]);
    expect(started.code, started.stderr).toBe(0);
    service = serviceRecord();
    expect(started.stdout).toContain(`started; local store service: pid ${service.pid}`);
    expect(alive(service)).toBe(true);

    const generated = await nike(["generate", "--scale", "tiny", "--seed", "7"]);
    expect(generated.code, generated.stderr).toBe(0);
    const loaded = await nike(["load"]);
    expect(loaded.code, loaded.stderr).toBe(0);
    const full = await nike(["etl", "--full"]);
    expect(full.code, full.stderr).toBe(0);
    // Every command connected to the one service started above; none started its own.
    expect(serviceRecord().pid).toBe(service.pid);

    const [{ n }] = await query<{ n: number }>("SELECT COUNT(*) AS n FROM fact_activity");
    factsAfterFullEtl = Number(n);
    expect(factsAfterFullEtl).toBeGreaterThan(5000); // tiny: about 10,000 workouts
  }, STEP_MS);

  it("2. starts `nike serve` and `nike etl --follow` side by side", async () => {
    const port = await freePort();
    serve = start(["serve", "--port", String(port), "--reports", join(dataDir, "site")]);
    follow = start(["etl", "--follow", "--interval", `${INTERVAL_MS / 1000}s`]);
    const banner = await eventually(async () => {
      if (!running(serve.child)) throw new Error(`nike serve exited: ${tail(serve)}`);
      return /Inspire: (http:\/\/\S+)\/app/.exec(serve.output());
    }, 60_000, "nike serve's banner");
    expect(banner[1]).toBe(`http://127.0.0.1:${port}`);
    http = client(banner[1]);
    expect((await http("GET", "/health")).status).toBe(200);
    await eventually(async () => {
      if (!running(follow.child)) throw new Error(`nike etl --follow exited: ${tail(follow)}`);
      return /etl: run \S+ complete/.test(follow.output());
    }, 60_000, "the first --follow batch");
  }, STEP_MS);

  it("3. users sign up and log workouts over HTTP; each reaches fact_activity and the lake in the follow loop's next two batches", async () => {
    const tag = Math.random().toString(36).slice(2, 8);
    for (let i = 0; i < 3; i++) {
      const email = `live-${tag}-${i}@example.com`;
      const password = "a long enough password";
      const created = await http("POST", "/v1/users", {
        body: { name: `Live Tester${i}`, email, password, date_of_birth: "1990-06-15", city: "Denver", region: "CO", shopping_preference: "Both", consent: { email: true, sms: false } },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(202);
      const login = await http("POST", "/v1/sessions", { body: { email, password } });
      expect(login.status, JSON.stringify(login.body)).toBe(201);
      users.push({ userId: login.body.user_id, token: login.body.token, email });
    }

    const posted = Date.now();
    const minutes = new Map<number, number>();
    for (const [u, user] of users.entries()) {
      for (let k = 0; k < 3; k++) {
        const body = { activity_type: ["running", "cycling", "yoga"][k], started_at: new Date(posted - (u * 3 + k + 1) * 10 * 60_000).toISOString(), duration_min: 20 + u * 3 + k, distance_km: k === 2 ? null : 5 + k };
        const logged = await http("POST", "/v1/me/activities", { token: user.token, body });
        expect(logged.status, JSON.stringify(logged.body)).toBe(201);
        expect(logged.body).toMatchObject({ activity_type: body.activity_type, started_at: body.started_at, city: "Denver", state: "CO" });
        earlier.set(logged.body.id, user.userId);
        minutes.set(logged.body.id, body.duration_min);
      }
    }
    const ids = [...earlier.keys()].sort((a, b) => a - b);
    const userIds = users.map((u) => u.userId);

    // Counted in the follow loop's batches, not in seconds: the batch under way when the workouts came in
    // may have read before them; the next one cannot miss them.
    const completeRuns = async () => Number((await query<{ n: number }>("SELECT COUNT(*) AS n FROM etl_runs WHERE mode = 'incremental' AND status = 'complete'"))[0].n);
    const runsBefore = await completeRuns();
    await eventually(async () => (await completeRuns()) >= runsBefore + 2, STEP_MS, "two more batches of nike etl --follow");
    expect(await mysqlFacts(userIds)).toEqual(ids);
    expect(await lakeFacts(userIds)).toEqual(ids);
    const rows = await query<{ activity_id: number; duration_min: string }>(`SELECT activity_id, duration_min FROM fact_activity WHERE activity_id IN (${inList(ids)}) ORDER BY activity_id`);
    expect(rows.map((r) => [Number(r.activity_id), Number(r.duration_min)])).toEqual(ids.map((id) => [id, minutes.get(id)]));
  }, STEP_MS);

  it("4. while both run: `nike report` shows the new workouts, `nike doctor` names the service, `nike notify schedule` sends once", async () => {
    // report: exit 0, and the site counts every workout the warehouse now has (the full load plus ours).
    const out = join(dataDir, "site");
    const report = await nike(["report", "--out", out]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout.trim()).toBe(join(out, "index.html"));
    const [{ n }] = await query<{ n: number }>("SELECT COUNT(*) AS n FROM fact_activity");
    expect(Number(n)).toBe(factsAfterFullEtl + earlier.size);
    const index = readFileSync(join(out, "index.html"), "utf8");
    expect(index).toContain(`workouts ${(factsAfterFullEtl + earlier.size).toLocaleString("en-US")}`);
    // The server serves the site it just wrote.
    const served = await http("GET", "/reports/index.html");
    expect(served.status).toBe(200);
    expect(served.body).toContain(`workouts ${(factsAfterFullEtl + earlier.size).toLocaleString("en-US")}`);

    // doctor: exit 0; both embedded stores are the one local service, by its address and pid.
    const doctor = await nike(["doctor"]);
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
    expect(doctor.stdout).toMatch(new RegExp(`^MongoDB\\s+ok\\s+embedded \\(local service, 127\\.0\\.0\\.1:${service.mongoPort}, pid ${service.pid}\\)`, "m"));
    expect(doctor.stdout).toMatch(new RegExp(`^DynamoDB\\s+ok\\s+embedded \\(local service, 127\\.0\\.0\\.1:${service.dynamoPort}, pid ${service.pid}\\)`, "m"));

    // notify: each test user's preferred hour is due now — the zone where it is now noon, preferred hour 12 —
    // so the server's dispatcher sends their message as soon as `nike notify schedule` queues it.
    const offset = new Date().getUTCHours() - 12; // Etc/GMT+N is N hours behind UTC
    const timeZone = offset === 0 ? "Etc/GMT" : `Etc/GMT${offset > 0 ? "+" : "-"}${Math.abs(offset)}`;
    for (const user of users) {
      const put = await http("PUT", "/v1/me/goals", {
        token: user.token,
        body: { goal_type: "improve_endurance", target_workouts_per_week: 4, preferred_activities: ["running"], notifications: { channel: "email", preferred_hour: 12, time_zone: timeZone } },
      });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
    }
    const first = await nike(["notify", "schedule"]);
    expect(first.code, first.stderr).toBe(0);
    const queued = Number(/queued ([\d,]+) messages/.exec(first.stdout)?.[1].replace(/,/g, ""));
    expect(queued).toBeGreaterThanOrEqual(users.length);
    const [{ rows: afterFirst }] = await query<{ rows: number }>("SELECT COUNT(*) AS `rows` FROM notification_outbox");
    expect(Number(afterFirst)).toBe(queued);

    // A second run queues nothing more.
    const second = await nike(["notify", "schedule"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^queued 0 messages/);
    const [{ rows: afterSecond }] = await query<{ rows: number }>("SELECT COUNT(*) AS `rows` FROM notification_outbox");
    expect(Number(afterSecond)).toBe(queued);

    // The server's dispatcher sends each test user's message exactly once, on the first attempt.
    const userIds = users.map((u) => u.userId);
    type Row = { user_id: number; status: string; attempts: number; idempotency_key: string; recipient: string; channel: string };
    const rows = await eventually(async () => {
      const r = await query<Row>("SELECT user_id, status, attempts, idempotency_key, recipient, channel FROM notification_outbox WHERE user_id IN (?) ORDER BY user_id", [userIds]);
      return r.length === users.length && r.every((m) => m.status === "sent") ? r : undefined;
    }, 60_000, "the test users' messages to be sent by the server's dispatcher");
    for (const [i, row] of rows.entries()) {
      expect(row).toMatchObject({ user_id: users[i].userId, status: "sent", attempts: 1, channel: "email", recipient: users[i].email });
      expect(outboxMails().filter((m) => m.id.startsWith(`${row.idempotency_key}@`))).toHaveLength(1);
      expect(outboxMails().filter((m) => m.to === users[i].email)).toHaveLength(1);
    }
    // Across every user: no e-mail went out twice, every row marked sent has its e-mail or SMS file, and each took one attempt.
    // The dispatcher is still sending the rest of the world's messages, and writes each file before it marks the row
    // sent: so the rows are read first, and the files after them.
    const sent = await query<{ idempotency_key: string; channel: string; attempts: number }>("SELECT idempotency_key, channel, attempts FROM notification_outbox WHERE status = 'sent'");
    const mails = outboxMails();
    expect(new Set(mails.map((m) => m.id)).size).toBe(mails.length);
    const mailed = new Set(mails.map((m) => m.id.replace(/@.*$/, "")));
    expect(sent.filter((s) => s.channel === "email" && !mailed.has(s.idempotency_key))).toEqual([]);
    const smsDir = join(dataDir, "outbox", "sms");
    expect(sent.filter((s) => s.channel === "sms" && !existsSync(join(smsDir, `${s.idempotency_key.replace(/[^A-Za-z0-9-]/g, "_")}.json`)))).toEqual([]);
    expect(sent.filter((s) => s.attempts !== 1)).toEqual([]);
  }, STEP_MS);

  it("5. SIGKILL of the store service during a burst of writes: nothing acknowledged is lost or doubled; serve and follow carry on", async () => {
    expect(running(serve.child) && running(follow.child)).toBe(true);
    const servePid = serve.child.pid;
    const followPid = follow.child.pid;

    // A stream of workouts from 20 concurrent clients, each with a distinct started_at so that every stored document
    // names its request. The service is killed the moment the 50th reply is in, with about 20 writes in flight; a
    // client stops at its first failed reply (as one told to retry later would): requests during the outage fail,
    // and are not counted as acknowledged. The server brings the service back itself when it next needs it.
    const base = Date.now() - 6 * 3_600_000;
    const requests = Array.from({ length: 600 }, (_, i) => ({
      user: users[i % users.length],
      body: { activity_type: "walking", started_at: new Date(base - i * 60_000).toISOString(), duration_min: 10 + (i % 50) },
    }));
    const KILL_AFTER = 50;
    const killed = service;
    const results: Reply[] = new Array(requests.length); // sparse: the requests that were sent
    let settled = 0;
    let next = 0;
    const client = async () => {
      while (next < requests.length) {
        const i = next++;
        const reply = await http("POST", "/v1/me/activities", { token: requests[i].user.token, body: requests[i].body })
          .catch((error: Error) => ({ status: 0, body: { error: error.message }, headers: new Headers() }));
        results[i] = reply;
        if (++settled === KILL_AFTER) process.kill(killed.pid, "SIGKILL");
        if (reply.status !== 201) return;
      }
    };
    await Promise.all(Array.from({ length: 20 }, client));
    await eventually(async () => !alive(killed), 10_000, "the killed service to be gone");

    const acknowledged = new Map<number, (typeof requests)[number]>();
    results.forEach((reply, i) => {
      if (reply.status === 201) acknowledged.set(reply.body.id, requests[i]);
    });
    expect(acknowledged.size).toBe(results.filter((r) => r.status === 201).length); // a distinct id per 201
    const failed = new Set(results.flatMap((reply, i) => (reply.status === 201 ? [] : [i])));
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(failed.size).toBeGreaterThan(0); // the outage was real: some writes could not be acknowledged
    // The ones that did not succeed say the store is unavailable, with a time to retry (or their connection dropped), never a false 201, a 4xx or a 500.
    for (const i of failed) {
      expect([0, 503], `${JSON.stringify(results[i].body)}\n${tail(serve)}`).toContain(results[i].status);
      if (results[i].status === 503) expect(results[i].headers.get("retry-after")).toBe("5");
    }

    // Restart: the service comes back on the same ports, so connected clients find it again.
    const restarted = await nike(["stores", "start", "--idle", "0"]);
    expect(restarted.code, restarted.stderr).toBe(0);
    const again = serviceRecord();
    expect(again.pid).not.toBe(killed.pid);
    // Whichever needs it first brings it back: this command, or the server, whose store looks the service up again.
    expect(restarted.stdout).toMatch(new RegExp(`(started|already running); local store service: pid ${again.pid}`));
    expect([again.mongoPort, again.dynamoPort]).toEqual([service.mongoPort, service.dynamoPort]);
    service = again;

    // The server answers again without a restart (bounded).
    const reader = users[0];
    let lastAnswer: Reply | undefined;
    await eventually(async () => (lastAnswer = await http("GET", "/v1/me/activities?limit=1", { token: reader.token })).status === 200, 60_000, "the server to answer again")
      .catch((error: Error) => {
        throw new Error(`${error.message}; last answer ${JSON.stringify(lastAnswer)}\n${tail(serve)}`);
      });
    expect((await http("GET", "/health")).status).toBe(200);
    expect(serve.child.pid).toBe(servePid);
    expect(follow.child.pid).toBe(followPid);
    expect(running(serve.child), tail(serve)).toBe(true);
    expect(running(follow.child), tail(follow)).toBe(true);

    // The document store, read directly through the service: every acknowledged workout is there, once.
    const userIds = users.map((u) => u.userId);
    const mongo = new MongoClient(mongoUriOf(service));
    let stored: Array<{ _id: number; user_id: number; started_at: Date }>;
    try {
      stored = (await mongo.db("nike").collection("activity_logs").find({ user_id: { $in: userIds } }, { projection: { _id: 1, user_id: 1, started_at: 1 } }).toArray()) as never;
    } finally {
      await mongo.close();
    }
    const storedById = new Map(stored.map((d) => [Number(d._id), d]));
    expect(storedById.size).toBe(stored.length);
    expect([...earlier.keys()].filter((id) => !storedById.has(id))).toEqual([]);
    // Nothing acknowledged lost: each 201's id holds that request's workout.
    const requestKey = (userId: number, startedAt: string) => `${userId}|${startedAt}`;
    for (const [id, request] of acknowledged) {
      const doc = storedById.get(id);
      expect(doc, `acknowledged workout ${id} is missing`).toBeDefined();
      expect(requestKey(doc!.user_id, doc!.started_at.toISOString())).toBe(requestKey(request.user.userId, request.body.started_at));
    }
    // Nothing doubled: no request's workout (user, started_at) is stored twice.
    const copies = new Map<string, number>();
    for (const d of stored) copies.set(requestKey(d.user_id, d.started_at.toISOString()), (copies.get(requestKey(d.user_id, d.started_at.toISOString())) ?? 0) + 1);
    expect([...copies].filter(([, n]) => n > 1)).toEqual([]);
    // Nothing invented: a stored workout without a 201 can only be a failed request whose write landed just before
    // the kill cut its reply off (the client cannot tell; it was told to retry). It is counted, not hidden.
    const failedKeys = new Set([...failed].map((i) => requestKey(requests[i].user.userId, requests[i].body.started_at)));
    const storedWithoutAck = stored.filter((d) => !earlier.has(Number(d._id)) && !acknowledged.has(Number(d._id)));
    expect(storedWithoutAck.filter((d) => !failedKeys.has(requestKey(d.user_id, d.started_at.toISOString())))).toEqual([]);
    const statuses = [...failed].map((i) => results[i].status).reduce<Record<number, number>>((m, s) => ((m[s] = (m[s] ?? 0) + 1), m), {});
    console.info(`burst of ${requests.length}: ${acknowledged.size} acknowledged, ${failed.size} failed ${JSON.stringify(statuses)} (${storedWithoutAck.length} of those stored before the reply was cut off)`);

    // The API lists the same workouts (every page).
    for (const user of users) {
      const listed: number[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof http>> = await http("GET", `/v1/me/activities?limit=100${cursor ? `&cursor=${cursor}` : ""}`, { token: user.token });
        expect(page.status).toBe(200);
        listed.push(...page.body.items.map((a: { id: number }) => a.id));
        cursor = page.body.next_cursor;
      } while (cursor);
      expect(listed.sort((a, b) => a - b)).toEqual(stored.filter((d) => d.user_id === user.userId).map((d) => Number(d._id)).sort((a, b) => a - b));
    }

    // The ETL catches up: fact_activity and the lake hold exactly the stored workouts — the earlier ones, every
    // acknowledged one, and the few stored without a reply — each once, and nothing else.
    const expected = [...storedById.keys()].sort((a, b) => a - b);
    expect(expected).toHaveLength(earlier.size + acknowledged.size + storedWithoutAck.length);
    await eventually(async () => (await mysqlFacts(userIds)).length === expected.length, 120_000, `the ${expected.length} workouts in fact_activity`);
    expect(await mysqlFacts(userIds)).toEqual(expected);
    await eventually(async () => (await lakeFacts(userIds)).length >= expected.length, 30_000, `the ${expected.length} workouts in the lake`);
    expect(await lakeFacts(userIds)).toEqual(expected);
    const [{ n }] = await query<{ n: number }>("SELECT COUNT(*) AS n FROM fact_activity");
    expect(Number(n)).toBe(factsAfterFullEtl + expected.length);
    const [lakeTotal] = await (async () => {
      const duck = await openDuckDB();
      try {
        return await duck.all<{ n: bigint; d: bigint }>(`SELECT count(*) AS n, count(DISTINCT activity_id) AS d FROM read_parquet('${join(dataDir, "lake")}/fact_activity/**/*.parquet', hive_partitioning = true)`);
      } finally {
        duck.close();
      }
    })();
    expect([Number(lakeTotal.n), Number(lakeTotal.d)]).toEqual([factsAfterFullEtl + expected.length, factsAfterFullEtl + expected.length]);
    expect(running(follow.child), tail(follow)).toBe(true);
    expect(running(serve.child), tail(serve)).toBe(true);
  }, STEP_MS);

  it("6. stops everything cleanly: serve and follow exit 0 on SIGTERM, `nike stores stop` stops the service", async () => {
    serve.child.kill("SIGTERM");
    follow.child.kill("SIGTERM");
    expect(await serve.exited, tail(serve)).toBe(0);
    expect(await follow.exited, tail(follow)).toBe(0);
    expect(tail(follow)).toMatch(/etl: follow stopped after \d+ batches/);
    const stopped = await nike(["stores", "stop"]);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toContain(`stopped the local store service (pid ${service.pid})`);
    expect(alive(service)).toBe(false);
    expect(readRecord(dataDir)?.stopped).toBe(true);
    // What was sent stays sent once: each test user still has exactly one message.
    for (const user of users) expect(outboxMails().filter((m) => m.to === user.email)).toHaveLength(1);
    for (const child of children) expect(running(child)).toBe(false);
  }, STEP_MS);
});
