import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lakeDir } from "../lib/config.ts";
import { openDuckDB } from "../lib/duckdb.ts";
import { pseudonym } from "../lib/pseudonym.ts";
import type { World } from "../test-support/world.ts";
import { openEtlStores, runEtl } from "../pipelines/etl/index.ts";
import { loadedWorld } from "../test-support/published-world.ts";
import { startServer, type Running } from "./serve.ts";
import { client, eventually, type Reply } from "../test-support/server.ts";

let world: World;
let server: Running;
let http: ReturnType<typeof client>;
const log: string[] = [];

beforeAll(async () => {
  world = await loadedWorld(51);
  // No SMTP server and no SMS provider: messages are written to DATA_DIR/outbox, as on a laptop.
  server = await startServer(world.config, {
    port: 0, reportsDir: join(world.dataDir, "site"), logLevel: "info", throttles: { signUpsPerSource: 1000 },
    dispatcher: { baseDelayMs: 150, maxDelayMs: 400, pollMs: 100, maxAttempts: 4 },
    logDestination: { write: (line: string) => void log.push(line) },
  });
  http = client(server.url);
  const stores = await openEtlStores(world.config);
  try {
    await runEtl(world.config, stores, { full: true });
  } finally {
    await stores.close();
  }
}, 180_000);
afterAll(async () => {
  await server?.close();
  await world?.dispose();
});

let n = 0;
async function person(over: Record<string, unknown> = {}) {
  const tag = `${++n}${Math.random().toString(36).slice(2, 7)}`;
  const body = {
    name: `Zephyrine${tag} Quillfeather${tag}`, email: `zq.${tag}@example.com`, password: "zephyrine's password", date_of_birth: "1986-07-21",
    city: "Denver", region: "CO", shopping_preference: "Both", consent: { email: true, sms: false }, ...over,
  };
  expect((await http("POST", "/v1/users", { body })).status).toBe(202);
  const login = await http("POST", "/v1/sessions", { body: { email: body.email, password: body.password } });
  expect(login.status).toBe(201);
  return { ...body, userId: login.body.user_id as number, token: login.body.token as string };
}
const workout = (daysAgo: number) => ({ activity_type: "running", started_at: new Date(Date.now() - daysAgo * 86_400_000).toISOString(), duration_min: 41 });
const goals = { goal_type: "improve_endurance", target_workouts_per_week: 4, preferred_activities: ["running"], notifications: { channel: "email", quiet_hours: { start: 22, end: 7 }, preferred_hour: 7, time_zone: "America/Denver" } };
const query = async <T>(sql: string, params: unknown[] = []) => (await server.ctx.mysql.query(sql, params))[0] as T[];

async function leftInStores(userId: number) {
  return {
    goals: await server.ctx.documents.collection("user_goals").countDocuments({ user_id: userId }),
    workouts: await server.ctx.documents.collection("activity_logs").countDocuments({ user_id: userId }),
    sessions: (await server.ctx.sessions.byUser(userId)).length,
    users: (await query("SELECT 1 FROM users WHERE user_id = ?", [userId])).length,
  };
}
const nothing = { goals: 0, workouts: 0, sessions: 0, users: 0 };

describe("erasure wins every race", () => {
  it("logins racing DELETE /v1/me never yield a token that works, and leave no session", async () => {
    for (const head of [0, 5, 20]) {
      const user = await person();
      const logins = Array.from({ length: 8 }, () => http("POST", "/v1/sessions", { body: { email: user.email, password: user.password } }));
      await new Promise((resolve) => setTimeout(resolve, head));
      const [erased, ...answers] = await Promise.all([http("DELETE", "/v1/me", { token: user.token }), ...logins]);
      expect(erased.status).toBe(200);
      for (const login of answers.filter((a) => a.status === 201)) {
        expect((await http("GET", "/v1/me/goals", { token: login.body.token })).status).toBe(401);
        expect((await http("PUT", "/v1/me/goals", { token: login.body.token, body: goals })).status).toBe(401);
        expect((await http("GET", "/v1/me/inspiration", { token: login.body.token })).status).toBe(401);
      }
      expect(await leftInStores(user.userId)).toEqual(nothing);
    }
  });

  it("writes and reads in flight when the erasure begins leave nothing behind, and none starts after it", async () => {
    const user = await person();
    // The goals store answers slowly, so these writes are still under way when the erasure sweeps.
    const documents = server.ctx.documents;
    const collection = documents.collection.bind(documents);
    documents.collection = (name) => {
      const inner = collection(name);
      if (name !== "user_goals") return inner;
      return Object.assign(Object.create(inner), { updateOne: (...args: Parameters<typeof inner.updateOne>) => delay(400).then(() => inner.updateOne(...args)) });
    };
    try {
      const writes: Array<Promise<Reply>> = [];
      for (let i = 0; i < 10; i++) {
        writes.push(http("PUT", "/v1/me/goals", { token: user.token, body: goals }));
        writes.push(http("POST", "/v1/me/activities", { token: user.token, body: workout(1 + i) }));
        writes.push(http("GET", "/v1/me/inspiration", { token: user.token }));
      }
      await delay(100);
      const erased = await http("DELETE", "/v1/me", { token: user.token });
      const answers = await Promise.all(writes);
      expect(erased.status).toBe(200);
      expect(answers.map((a) => a.status).filter((s) => ![200, 201, 401].includes(s))).toEqual([]);
      expect(await leftInStores(user.userId)).toEqual(nothing);
    } finally {
      documents.collection = collection;
    }
    const after = await Promise.all([
      http("PUT", "/v1/me/goals", { token: user.token, body: goals }),
      http("POST", "/v1/me/activities", { token: user.token, body: workout(2) }),
      http("GET", "/v1/me/goals", { token: user.token }),
    ]);
    expect(after.map((a) => a.status)).toEqual([401, 401, 401]);
    expect(await leftInStores(user.userId)).toEqual(nothing);
  });

  it("an erasure and an ETL run at once: the run's publish never puts the user back (item 4)", async () => {
    const stores = await openEtlStores(world.config);
    try {
      for (const erasureFirst of [false, true]) {
        const user = await person();
        for (let i = 1; i <= 3; i++) expect((await http("POST", "/v1/me/activities", { token: user.token, body: workout(i) })).status).toBe(201);
        await runEtl(world.config, stores);
        const alias = pseudonym(world.config.pseudonymKey, user.userId);
        expect(await query("SELECT user_key FROM dim_user WHERE user_pseudonym = ?", [alias])).not.toEqual([]);
        // New workouts, so that the next run has the user to publish again.
        for (let i = 4; i <= 6; i++) expect((await http("POST", "/v1/me/activities", { token: user.token, body: workout(i) })).status).toBe(201);
        const erase = () => http("DELETE", "/v1/me", { token: user.token });
        let erasing: Promise<Reply> | undefined;
        let ran: string;
        if (erasureFirst) {
          erasing = erase();
          await delay(20);
          ran = await runEtl(world.config, stores).then(() => "published", (error: Error) => error.message);
        } else {
          // The run has read the user's new workouts when the erasure starts; it is given two seconds to finish.
          const documents = Object.create(stores.documents);
          documents.collection = (name: string) => {
            const inner = stores.documents.collection(name as never);
            if (name !== "activity_logs") return inner;
            return Object.assign(Object.create(inner), {
              async *stream(filter: Record<string, unknown>) {
                yield* inner.stream(filter);
                erasing = erase();
                await Promise.race([erasing, delay(2_000)]);
              },
            });
          };
          ran = await runEtl(world.config, { ...stores, documents }).then(() => "published", (error: Error) => error.message);
        }
        expect((await erasing!).status).toBe(200);
        expect(ran).toMatch(/^published$|holds this warehouse's lock/);
        await runEtl(world.config, stores);
        expect(await query("SELECT user_key FROM dim_user WHERE user_pseudonym = ?", [alias])).toEqual([]);
        expect(await query("SELECT COUNT(*) AS n FROM fact_activity f JOIN dim_user u USING (user_key) WHERE u.user_pseudonym = ?", [alias])).toEqual([{ n: 0 }]);
        expect(await lakeRowsOf(alias)).toBe(0);
      }
    } finally {
      await stores.close();
    }
  }, 120_000);
});

describe("erasure leaves no copy", () => {
  it("no file under DATA_DIR, no store and no server log line names the user after DELETE /v1/me (item 5)", async () => {
    const user = await person({ phone: "+13035550177", consent: { email: true, sms: true } });
    expect((await http("PUT", "/v1/me/goals", { token: user.token, body: goals })).status).toBe(200);
    for (let i = 1; i <= 3; i++) expect((await http("POST", "/v1/me/activities", { token: user.token, body: workout(i) })).status).toBe(201);
    const mailed = await http("POST", "/v1/me/inspiration/send", { token: user.token });
    expect(mailed.status).toBe(202);
    expect((await http("PUT", "/v1/me/goals", { token: user.token, body: { ...goals, notifications: { ...goals.notifications, channel: "sms" } } })).status).toBe(200);
    await eventually(async () => (await query<{ n: number }>("SELECT COUNT(*) AS n FROM notification_outbox WHERE user_id = ? AND status = 'sent'", [user.userId]))[0].n === 1, 10_000, "the e-mail written to the outbox");
    const stores = await openEtlStores(world.config);
    try {
      await runEtl(world.config, stores);
    } finally {
      await stores.close();
    }
    const [first, last] = user.name.split(" ");
    const marks = [user.email, first, last, "3035550177"];
    const idPatterns = [new RegExp(`"user_id":\\s*${user.userId}\\b`), new RegExp(`\\b${user.userId}:\\d{4}-\\d{2}-\\d{2}`)];
    // Before the erasure the user is there to be found: the scan can see them.
    expect((await filesNaming(marks, idPatterns)).length).toBeGreaterThan(0);

    expect((await http("DELETE", "/v1/me", { token: user.token })).status).toBe(200);
    expect(await filesNaming(marks, idPatterns)).toEqual([]);
    expect(await parquetRowsOf(user.userId, pseudonym(world.config.pseudonymKey, user.userId))).toEqual([]);
    for (const table of (await query<{ t: string }>("SELECT table_name AS t FROM information_schema.columns WHERE table_schema = DATABASE() AND column_name = 'user_id'")).map((r) => r.t)) {
      expect(await query(`SELECT 1 FROM \`${table}\` WHERE user_id = ?`, [user.userId]), table).toEqual([]);
    }
    expect(await query("SELECT source_id FROM etl_quarantine WHERE JSON_VALUE(document, '$.user_id') = ?", [user.userId])).toEqual([]);
    expect(await leftInStores(user.userId)).toEqual(nothing);
    const text = log.join("");
    for (const mark of marks) expect(text).not.toContain(mark);
    for (const pattern of idPatterns) expect(text).not.toMatch(pattern);
  }, 60_000);
});

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function allFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Every file under DATA_DIR (any format, read as bytes) that holds one of the marks or an id pattern. */
async function filesNaming(marks: string[], idPatterns: RegExp[]): Promise<string[]> {
  const found: string[] = [];
  for (const file of await allFiles(world.dataDir)) {
    const text = (await readFile(file)).toString("latin1");
    if (marks.some((m) => text.toLowerCase().includes(m.toLowerCase())) || idPatterns.some((p) => p.test(text))) found.push(file);
  }
  return found;
}

/** Rows of any Parquet file under DATA_DIR (staging, lake) with the user's id or pseudonym in a column of that name. */
async function parquetRowsOf(userId: number, alias: string): Promise<string[]> {
  const duck = await openDuckDB();
  const hits: string[] = [];
  try {
    for (const file of (await allFiles(world.dataDir)).filter((f) => f.endsWith(".parquet") && !f.includes("/raw/"))) {
      const columns = (await duck.all<{ name: string }>(`SELECT name FROM parquet_schema('${file}')`)).map((c) => c.name);
      const tests = [columns.includes("user_id") ? `user_id = ${userId}` : "", columns.includes("user_pseudonym") ? `user_pseudonym = '${alias}'` : ""].filter(Boolean);
      if (!tests.length) continue;
      const [{ n }] = await duck.all<{ n: bigint }>(`SELECT COUNT(*) AS n FROM read_parquet('${file}', hive_partitioning = false) WHERE ${tests.join(" OR ")}`);
      if (Number(n) > 0) hits.push(file);
    }
  } finally {
    duck.close();
  }
  return hits;
}

async function lakeRowsOf(alias: string): Promise<number> {
  const duck = await openDuckDB();
  try {
    const dimUsers = (await allFiles(lakeDir(world.config))).filter((f) => f.includes("dim_user") && f.endsWith(".parquet"));
    let n = 0;
    for (const file of dimUsers) n += Number((await duck.all<{ n: bigint }>(`SELECT COUNT(*) AS n FROM read_parquet('${file}', hive_partitioning = false) WHERE user_pseudonym = '${alias}'`))[0].n);
    return n;
  } finally {
    duck.close();
  }
}
