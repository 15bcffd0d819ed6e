/**
 * Inspire in a browser and over a published warehouse: the web app in headless Chromium (sign up,
 * set a goal, log a workout, see the inspiration card), the report site served by the server, and
 * erasing a user whose workouts are already in the warehouse and the lake.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { report } from "../cli/report.ts";
import { launchBrowser, visitReportPage, watchProblems } from "../test-support/browser.ts";
import { openDuckDB } from "../lib/duckdb.ts";
import { pseudonym } from "../lib/pseudonym.ts";
import type { World } from "../test-support/world.ts";
import { publishedWorld } from "../test-support/published-world.ts";
import { eraseUser } from "./routes/privacy.ts";
import type { Running } from "./serve.ts";
import { client, startTestServer } from "../test-support/server.ts";

const SCREENSHOTS = new URL("../reports/screenshots/", import.meta.url).pathname;

let world: World;
let server: Running;
let browser: Browser;
/** The web app's cookies after sign-up in the browser (the CSRF test reuses the session). */
let session: Record<string, string> = {};

beforeAll(async () => {
  world = await publishedWorld(13, "tiny");
  const site = join(world.dataDir, "site");
  await report({ out: site }, ["report"], world.config);
  server = await startTestServer(world.config, `${site}/`); // a trailing slash, as the default folder has
  browser = await launchBrowser();
  await mkdir(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await world?.dispose();
});

describe("the Inspire web app in headless Chromium", () => {
  it("signs up a new user on a phone-sized screen, sets a goal, logs a workout and sees an inspiration card", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    const problems = watchProblems(page);
    page.on("dialog", (d) => d.accept());
    try {
      const served = await page.goto(`${server.url}/app`);
      const policy = served!.headers()["content-security-policy"];
      expect(policy).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
      expect(policy).toContain("object-src 'none'");
      expect(policy).toContain("base-uri 'none'");
      await page.getByLabel("Name").fill("Jamie Browser");
      await page.getByLabel("E-mail").first().fill("jamie@example.com");
      await page.getByLabel("Password (10 characters or more)").fill("browser password 1");
      await page.getByLabel("Date of birth").fill("1995-05-20");
      await page.getByLabel("City").selectOption({ label: "Denver, CO" });
      await page.getByLabel("Send me my daily inspiration by e-mail").check();
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByText("Welcome! Set your goals below.").waitFor();
      await page.locator("#goals-form[data-loaded=true]").waitFor();
      // The session lives in an HttpOnly, SameSite=Strict cookie: no script on the page can read the token.
      const seen = await page.evaluate(() => ({ storage: Object.keys(localStorage), cookie: document.cookie }));
      expect(seen.storage).toEqual([]);
      expect(seen.cookie).toMatch(/inspire_csrf=/);
      expect(seen.cookie).not.toMatch(/inspire_session=/);
      const cookies = await page.context().cookies();
      expect(cookies.find((c) => c.name === "inspire_session")).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
      session = Object.fromEntries(cookies.map((c) => [c.name, c.value]));

      await page.getByLabel("Goal", { exact: true }).selectOption("build_strength");
      await page.getByLabel("Workouts per week").fill("4");
      await page.getByLabel("training").check();
      await page.getByLabel("Time zone").selectOption("America/Denver");
      await page.getByRole("button", { name: "Save goals" }).click();
      await page.getByText("Goals saved.").waitFor();

      await page.getByLabel("Activity").selectOption("hiit");
      await page.getByLabel("Minutes").fill("25");
      await page.getByRole("button", { name: "Log workout" }).click();
      await page.getByText("Workout logged.").waitFor();
      await page.locator("#recent li", { hasText: "hiit, 25 min" }).waitFor();

      const card = page.locator("section.card");
      await card.locator("#why li", { hasText: "build strength, 4 workouts a week; 1 done" }).waitFor();
      await card.locator("#workout").filter({ hasText: /\d+ min of / }).waitFor();
      expect(await card.locator("#why li").count()).toBeGreaterThanOrEqual(3);
      expect(await card.locator("#quote").innerText()).toMatch(/“.+” — /);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(SCREENSHOTS, "app-phone.png"), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
    const [rows] = await server.ctx.mysql.query("SELECT user_id FROM users WHERE email = 'jamie@example.com'");
    const userId = (rows as Array<{ user_id: number }>)[0].user_id;
    expect(await server.ctx.documents.collection("activity_logs").countDocuments({ user_id: userId })).toBe(1);
    expect((await server.ctx.documents.collection("user_goals").findOne({ _id: userId }))?.goal_type).toBe("build_strength");
  });

  it("refuses a write made with the session cookie but without its CSRF token, as a forged cross-site request would be", async () => {
    const http = client(server.url);
    const cookie = `inspire_session=${session.inspire_session}; inspire_csrf=${session.inspire_csrf}`;
    const goals = { goal_type: "lose_weight", target_workouts_per_week: 3, preferred_activities: ["running"], notifications: { channel: "email", quiet_hours: { start: 22, end: 7 }, preferred_hour: 7, time_zone: "America/Denver" } };
    expect((await http("GET", "/v1/me/goals", { headers: { cookie } })).status).toBe(200);
    const forged = await http("PUT", "/v1/me/goals", { headers: { cookie }, body: goals });
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe("csrf_failed");
    expect((await http("PUT", "/v1/me/goals", { headers: { cookie, "x-csrf-token": "x".repeat(43) }, body: goals })).status).toBe(403);
    expect((await http("GET", "/v1/me/goals", { headers: { cookie } })).body.goal_type).toBe("build_strength");
    const allowed = await http("PUT", "/v1/me/goals", { headers: { cookie, "x-csrf-token": session.inspire_csrf }, body: goals });
    expect(allowed.status).toBe(200);
    expect(allowed.body.goal_type).toBe("lose_weight");
    const loggedOut = await http("DELETE", "/v1/sessions/current", { headers: { cookie, "x-csrf-token": session.inspire_csrf } });
    expect(loggedOut.status).toBe(204);
    expect(loggedOut.headers.get("set-cookie")).toMatch(/inspire_session=;/);
    expect((await http("GET", "/v1/me/goals", { headers: { cookie } })).status).toBe(401);
  });

  it("serves the report site, whose every page renders its charts under a strict Content-Security-Policy", async () => {
    const index = await client(server.url)("GET", "/reports/index.html");
    expect(index.headers.get("content-security-policy")).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'; .*object-src 'none'/);
    expect(index.body).toContain('<meta http-equiv="Content-Security-Policy"');
    for (const p of ["index", "user-segmentation", "activity-by-location"]) {
      const { problems, marks } = await visitReportPage(browser, `${server.url}/reports/${p}.html`, join(SCREENSHOTS, `served-${p}.png`));
      expect(problems, p).toEqual([]);
      expect(Math.min(...marks), p).toBeGreaterThan(0);
    }
    expect((await client(server.url)("GET", "/reports/assets/vega.min.js")).status).toBe(200);
  });
});

describe("erasing a user who is already in the warehouse", () => {
  it("removes them from the star schema, the segments and every lake file, and leaves everyone else", async () => {
    const userId = Number((await server.ctx.documents.collection("user_goals").findOne({}))?.user_id); // an app user, with workouts
    const who = pseudonym(world.config.pseudonymKey, userId);
    const count = async (sql: string, params: unknown[]) => ((await server.ctx.mysql.query(sql, params))[0] as Array<{ n: number }>)[0].n;
    const facts = () => count("SELECT COUNT(*) AS n FROM fact_activity f JOIN dim_user u USING (user_key) WHERE u.user_pseudonym = ?", [who]);
    const total = () => count("SELECT COUNT(*) AS n FROM fact_activity", []);
    const mine = await facts();
    const before = await total();
    expect(mine).toBeGreaterThan(0);
    expect(await count("SELECT COUNT(*) AS n FROM user_segment WHERE user_pseudonym = ?", [who])).toBe(1);

    const summary = await eraseUser(server.ctx, userId);
    expect(summary.warehouse_rows).toBeGreaterThan(mine);
    expect(summary.lake_files).toBeGreaterThan(1);
    expect(await facts()).toBe(0);
    expect(await total()).toBe(before - mine);
    expect(await count("SELECT COUNT(*) AS n FROM dim_user WHERE user_pseudonym = ?", [who])).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM user_segment WHERE user_pseudonym = ?", [who])).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM users WHERE user_id = ?", [userId])).toBe(0);

    const duck = await openDuckDB();
    try {
      const lake = join(world.dataDir, "lake");
      const [dim] = await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet('${lake}/dim_user/*.parquet') WHERE user_pseudonym = '${who}'`);
      const [seg] = await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet('${lake}/user_segment/*.parquet') WHERE user_pseudonym = '${who}'`);
      const [facts] = await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet('${lake}/fact_activity/**/*.parquet', hive_partitioning = true)`);
      expect([Number(dim.n), Number(seg.n)]).toEqual([0, 0]);
      expect(Number(facts.n)).toBe(before - mine);
    } finally {
      duck.close();
    }
  });
});
