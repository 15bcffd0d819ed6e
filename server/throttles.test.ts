import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { World } from "../test-support/world.ts";
import { loadedWorld } from "../test-support/published-world.ts";
import { startServer, type Running } from "./serve.ts";

let world: World;
let server: Running;
/** The same server with 2-second windows, to watch lockouts expire and grow. */
let quick: Running;

beforeAll(async () => {
  world = await loadedWorld(41);
  server = await startServer(world.config, { port: 0, reportsDir: join(world.dataDir, "site"), logLevel: "silent", dispatcher: false });
  quick = await startServer(world.config, { port: 0, reportsDir: join(world.dataDir, "site"), logLevel: "silent", dispatcher: false, throttles: { windowS: 2 } });
}, 120_000);
afterAll(async () => {
  await quick?.close();
  await server?.close();
  await world?.dispose();
});

type Answer = { status: number; body: any; retryAfter: number };
/** A POST from a chosen loopback address (127.0.0.x), as if from another client. */
function postFrom(base: string, from: string, path: string, body: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method: "POST", localAddress: from, headers: { "content-type": "application/json" } }, (res) => {
      let data = "";
      res.on("data", (chunk) => (data += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body: data ? JSON.parse(data) : null, retryAfter: Number(res.headers["retry-after"] ?? 0) }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

let n = 0;
async function account(base = server.url) {
  const email = `throttle${++n}-${Date.now()}@example.com`;
  const password = "the owner's own password";
  const body = { name: "Tess Owner", email, password, date_of_birth: "1988-02-02", city: "Denver", region: "CO", shopping_preference: "Both", consent: { email: true, sms: false } };
  // Accounts are made from 127.0.0.9, so that the sign-ups do not count against the addresses under test.
  expect((await postFrom(base, "127.0.0.9", "/v1/users", body)).status).toBe(202);
  return { email, password };
}
const login = (from: string, email: string, password: string, base = server.url) => postFrom(base, from, "/v1/sessions", { email, password });
const count = (answers: Answer[], status: number) => answers.filter((a) => a.status === status).length;

describe("login throttles hold in parallel", () => {
  it("checks at most 5 passwords for one account from one source, however many arrive at once", async () => {
    const { email, password } = await account();
    const burst = await Promise.all(Array.from({ length: 100 }, (_, i) => login("127.0.0.2", email, i === 99 ? password : `wrong guess ${i}`)));
    expect(count(burst, 401) + count(burst, 201)).toBeLessThanOrEqual(5);
    expect(count(burst, 429)).toBeGreaterThanOrEqual(95);
    expect(burst.filter((a) => a.status === 429).every((a) => a.retryAfter > 0 && a.body.error.code === "too_many_attempts")).toBe(true);
  });

  it("checks at most 30 passwords from one source, across accounts, however many arrive at once", async () => {
    const burst = await Promise.all(Array.from({ length: 80 }, (_, i) => login("127.0.0.3", `nobody${i}-${Date.now()}@example.com`, "wrong password")));
    expect(count(burst, 401)).toBeLessThanOrEqual(30);
    expect(count(burst, 401)).toBeGreaterThan(0);
    expect(count(burst, 429)).toBeGreaterThanOrEqual(50);
  });

  it("never locks the owner out: another source's failures do not stop the right password from a clean source", async () => {
    const { email, password } = await account();
    const attacker = await Promise.all(Array.from({ length: 8 }, () => login("127.0.0.4", email, "not the password")));
    expect(count(attacker, 429)).toBeGreaterThanOrEqual(3);
    expect((await login("127.0.0.4", email, password)).status).toBe(429);
    const owner = await login("127.0.0.5", email, password);
    expect(owner.status).toBe(201);
    expect(owner.body.token).toMatch(/\S{20,}/);
  });

  it("makes a repeated lockout longer each time, and forgets a source's failures after its right password", async () => {
    const { email, password } = await account(quick.url);
    // Six wrong guesses at once: attempts are counted before their password is checked, so all six are
    // counted within the 2-second window however slowly the machine checks passwords.
    const sixAtOnce = async () => {
      const burst = await Promise.all(Array.from({ length: 6 }, () => login("127.0.0.6", email, "wrong", quick.url)));
      expect(burst.filter((a) => a.status === 401)).toHaveLength(5);
      return burst.find((a) => a.status === 429);
    };
    expect(await sixAtOnce()).toMatchObject({ status: 429, retryAfter: 2 });
    await new Promise((resolve) => setTimeout(resolve, 2_300));
    expect(await sixAtOnce()).toMatchObject({ status: 429, retryAfter: 4 });
    await new Promise((resolve) => setTimeout(resolve, 4_300));
    // Four failures, then the right password: the count starts again from zero.
    for (let i = 0; i < 4; i++) expect((await login("127.0.0.6", email, "wrong", quick.url)).status).toBe(401);
    expect((await login("127.0.0.6", email, password, quick.url)).status).toBe(201);
    for (let i = 0; i < 5; i++) expect((await login("127.0.0.6", email, "wrong", quick.url)).status).toBe(401);
  }, 60_000);
});

describe("sign-up does not tell who has an account", () => {
  it("answers a taken e-mail as it answers a new one, tells the owner once, and throttles one source", async () => {
    const { email, password } = await account();
    const person = (address: string) => ({ name: "Eve Prober", email: address, password: "prober's password", date_of_birth: "1990-01-01", city: "Denver", region: "CO", shopping_preference: "Both", consent: { email: false, sms: false } });
    const fresh = await postFrom(server.url, "127.0.0.7", "/v1/users", person(`fresh-${Date.now()}@example.com`));
    const taken = await postFrom(server.url, "127.0.0.7", "/v1/users", person(email.toUpperCase()));
    expect(taken.status).toBe(fresh.status);
    expect(Object.keys(taken.body).sort()).toEqual(Object.keys(fresh.body).sort());
    expect(taken.body.next).toBe(fresh.body.next);

    const burst = await Promise.all(Array.from({ length: 40 }, () => postFrom(server.url, "127.0.0.7", "/v1/users", person(email))));
    expect(count(burst, 202)).toBe(8); // 10 per window from one source, two of them used above
    expect(count(burst, 429)).toBe(32);

    // The account is untouched, and its owner has one notice waiting, whatever the number of tries.
    expect((await login("127.0.0.8", email, password)).status).toBe(201);
    const [notices] = await server.ctx.mysql.query("SELECT o.kind, o.recipient FROM notification_outbox o JOIN users u USING (user_id) WHERE u.email = ?", [email]);
    expect(notices).toEqual([{ kind: "account_notice", recipient: email }]);
  });

  it("still creates the account of a new address, which can then log in", async () => {
    const email = `brand-new-${Date.now()}@example.com`;
    const made = await postFrom(server.url, "127.0.0.10", "/v1/users", { name: "Nia New", email, password: "nia's password!", date_of_birth: "1995-05-05", city: "Denver", region: "CO", shopping_preference: "Online", consent: { email: true, sms: false } });
    expect(made.status).toBe(202);
    const session = await login("127.0.0.10", email, "nia's password!");
    expect(session.status).toBe(201);
    const [rows] = await server.ctx.mysql.query("SELECT first_name FROM users WHERE user_id = ?", [session.body.user_id]);
    expect(rows).toEqual([{ first_name: "Nia" }]);
  });
});
