import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import mysql from "mysql2/promise";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopLocalService } from "../stores/local/locate.ts";

const BIN = join(import.meta.dirname, "..", "bin", "nike.mjs");
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "nike-cli-"));
});
afterAll(async () => {
  await stopLocalService(dataDir); // started by the commands under test, as for any user
  await rm(dataDir, { recursive: true, force: true });
});

const nike = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, DATA_DIR: dataDir, CI: "true", NIKE_VERBOSE: "1", ...env } });

describe("nike CLI", () => {
  it("has --help on every subcommand", () => {
    for (const command of ["generate", "load", "etl", "report", "doctor", "demo", "migrate"]) {
      const out = nike([command, "--help"]);
      expect(out.status).toBe(0);
      expect(out.stdout).toContain(`Usage: nike ${command}`);
    }
  });

  it("report: explains that the ETL has not run yet, exit 3, and writes no site", () => {
    const out = nike(["report", "--out", join(dataDir, "site")]);
    expect(out.status).toBe(3);
    expect(out.stderr).toMatch(/has no dim_date yet: run `nike etl`/);
    expect(out.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dataDir, "site"))).toBe(false);
  });

  it("report: rejects an unknown --source and a bad --email before reading anything", () => {
    const source = nike(["report", "--source", "hive"]);
    expect(source.status).not.toBe(0);
    expect(source.stderr).toMatch(/lake, mysql/);
    const email = nike(["report", "--email", "nobody"]);
    expect(email.status).toBe(3);
    expect(email.stderr).toMatch(/not valid: nobody/);
  });

  it("report --json: refuses options that write files, and prints nothing on stdout when it cannot run", () => {
    const mixed = nike(["report", "--json", "--out", join(dataDir, "site"), "--email", "ana@example.com"]);
    expect(mixed.status).toBe(3);
    expect(mixed.stderr.trim().split("\n")).toEqual(["nike: --json prints the findings on stdout and writes nothing, so it cannot be combined with --out, --email; the site has the same document as data/insights.json."]);
    expect(mixed.stdout).toBe("");
    const early = nike(["report", "--json"]);
    expect(early.status).toBe(3);
    expect(early.stderr).toMatch(/has no dim_date yet: run `nike etl`/);
    expect(early.stdout).toBe("");
  });

  it("rejects an unknown scale, naming the valid ones", () => {
    const out = nike(["generate", "--scale", "huge"]);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/tiny, small, medium, large/);
  });

  it("rejects an --until that is not a date, is in the future, or is before the warehouse calendar, before generating anything", () => {
    for (const [until, reason] of [["2026-02-30", /is not a date/], ["2999-01-01", /is in the future/], ["2016-12-31", /too early/]] as const) {
      const out = nike(["generate", "--scale", "tiny", "--until", until]);
      expect(out.status, until).toBe(3);
      expect(out.stderr, until).toMatch(reason);
      expect(out.stderr, until).not.toMatch(/\n\s+at /);
    }
  });

  it("generates tiny data", () => {
    const out = nike(["generate", "--scale", "tiny", "--seed", "5"]);
    expect(out.status).toBe(0);
    expect(out.stderr).toMatch(/generated [\d,]+ rows in \d+ tables/);
  });

  it("reports an unreachable MySQL in one line with exit code 2, no stack trace", () => {
    const out = nike(["load"], { MYSQL_URL: "mysql://root@127.0.0.1:1/nike" });
    expect(out.status).toBe(2);
    expect(out.stderr.trim().split("\n")).toHaveLength(1);
    expect(out.stderr).toContain("mysql://root@127.0.0.1:1/nike");
    expect(out.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it("reports a malformed MONGODB_URI with exit code 2", () => {
    const out = nike(["load"], { MONGODB_URI: "localhost:27017" });
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/MONGODB_URI "localhost:27017" is not a MongoDB connection string/);
  });

  it("doctor shows each store as real or embedded, and whether it answers", () => {
    const out = nike(["doctor"]);
    expect(out.stdout).toMatch(/^MySQL\s+ok\s+real: mysql:/m);
    expect(out.stdout).toMatch(/^MongoDB\s+ok\s+embedded \(local service, 127\.0\.0\.1:\d+, pid \d+\)/m);
    expect(out.stdout).toMatch(/^DynamoDB\s+ok\s+embedded \(local service, 127\.0\.0\.1:\d+, pid \d+\)/m);
    expect(out.status).toBe(0);
    const down = nike(["doctor"], { MYSQL_URL: "mysql://root@127.0.0.1:1/nike" });
    expect(down.stdout).toMatch(/^MySQL\s+FAILED\s+real/m);
    expect(down.status).toBe(2);
  });

  it("migrate: brings a new database's two schemas to their latest version, then finds them up to date; --status lists what ran", async () => {
    const database = `nike_cli_migrate_${process.pid}`;
    const env = { MYSQL_URL: `mysql://root@127.0.0.1:3306/${database}` };
    try {
      const first = nike(["migrate"], env);
      expect(first.status).toBe(0);
      expect(first.stdout).toMatch(/^operational schema migrated to version \d+: ran 0001_initial, /m);
      expect(first.stdout).toMatch(/^warehouse schema migrated to version \d+: ran 0001_initial, /m);
      const again = nike(["migrate"], env);
      expect(again.stdout).toMatch(/^operational schema up to date \(version \d+\)$/m);
      expect(again.stdout).toMatch(/^warehouse schema up to date \(version \d+\)$/m);
      expect(nike(["migrate", "--status"], env).stdout).toMatch(/^\s+applied \S+\s+0001_initial$/m);
    } finally {
      const admin = await mysql.createConnection({ host: "127.0.0.1", user: "root" });
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
    }
  });

  it("serve (npm start): answers on its port, refuses a bad --port, and exits 0 after draining on SIGTERM", async () => {
    expect(nike(["serve", "--port", "http"]).stderr).toMatch(/--port must be a number from 0 to 65535, not "http"/);
    const database = `nike_cli_serve_${process.pid}`;
    const server = spawn(process.execPath, [BIN, "serve", "--port", "0"], {
      env: { ...process.env, DATA_DIR: dataDir, CI: "true", NIKE_VERBOSE: "1", LOG_LEVEL: "warn", MYSQL_URL: `mysql://root@127.0.0.1:3306/${database}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    server.stderr.on("data", (d) => (stderr += d));
    try {
      let banner = "";
      for await (const chunk of server.stdout) {
        banner += chunk;
        if (/\/app \(/.test(banner)) break;
      }
      const base = /Inspire: (http:\/\/[^/]+)\/app/.exec(banner)?.[1];
      expect(base, banner + stderr).toBeTruthy();
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect(await (await fetch(`${base}/app`)).text()).toContain("<h1>Inspire</h1>");
      server.kill("SIGTERM");
      const [code] = await once(server, "exit");
      expect(code).toBe(0);
      expect(stderr).toContain("shutting down: finishing in-flight requests");
    } finally {
      server.kill("SIGKILL");
      const conn = await mysql.createConnection({ host: "127.0.0.1", user: "root" });
      await conn.query(`DROP DATABASE IF EXISTS ${database}`);
      await conn.end();
    }
  });
});
