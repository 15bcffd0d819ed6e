/**
 * @module The Inspire load test: the server in its own process(es) on `--inspire-scale` data (default
 * `small`), loaded by `wrk` (a second process) over loopback at 100 connections for 20 s, as many users
 * with their own sessions; the stores are the local service's, each in a process of its own. First one
 * process (`--workers 1`), then `GET /v1/me/inspiration` again with `--workers 2`: both figures and
 * their ratio (issue 15: ≥ 1.6× on a 2-core machine, p99 ≤ 50 ms, at `large`).
 */
import { execFileSync, spawn, type ChildProcessByStdio } from "node:child_process";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { Config } from "../lib/config.ts";
import { hashPassword } from "../server/auth/passwords.ts";
import { connectMysql } from "../stores/mysql.ts";

const BIN = new URL("../bin/nike.mjs", import.meta.url).pathname;
const PASSWORD = "bench password 1";

type Figures = { rps: number; p50: string; p99: string; non2xx: number; errors: string };

function wrk(url: string, script: string, seconds: number): Figures {
  const out = execFileSync("wrk", ["-t1", "-c100", `-d${seconds}s`, "--latency", "-s", script, url], { encoding: "utf8" });
  const latency = (p: string) => new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(out)?.[1] ?? "?";
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p50: latency("50"),
    p99: latency("99"),
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
    errors: /Socket errors: (.*)/.exec(out)?.[1] ?? "none",
  };
}

type Server = { base: string; process: ChildProcessByStdio<null, Readable, null> };

/** `nike serve --workers <workers>` on a free port, once its banner names the address. */
async function startInspire(config: Config, workers: number): Promise<Server> {
  const server = spawn(process.execPath, [BIN, "serve", "--port", "0", "--workers", String(workers)], {
    env: { ...process.env, DATA_DIR: config.dataDir, MYSQL_URL: config.mysqlUrl, LOG_LEVEL: "warn", CI: "true" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let banner = "";
  server.stdout.setEncoding("utf8");
  for await (const chunk of server.stdout) {
    banner += chunk;
    if (/Inspire: (http:\/\/\S+)\/app/.test(banner)) break;
  }
  const base = /Inspire: (http:\/\/\S+)\/app/.exec(banner)?.[1];
  if (!base) throw new Error(`the server did not start: ${banner}`);
  server.stdout.resume();
  return { base, process: server };
}

async function stopInspire(server: Server): Promise<void> {
  if (server.process.exitCode !== null) return;
  const exited = once(server.process, "exit");
  server.process.kill("SIGTERM");
  await exited;
}

/**
 * Fills the server's caches with one request per token on each worker (a new connection each, so the
 * workers take them in turn). Under wrk, a server whose caches are cold answered nothing for seconds
 * (seen at tiny on a loaded 2-core machine, before and after --workers); why is not known yet.
 */
async function warm(base: string, tokens: string[], workers: number): Promise<void> {
  for (const token of tokens) {
    for (let i = 0; i < workers; i++) {
      const response = await fetch(`${base}/v1/me/inspiration`, { headers: { authorization: `Bearer ${token}`, connection: "close" } });
      if (response.status !== 200) throw new Error(`warming up: GET /v1/me/inspiration answered ${response.status} ${await response.text()}`);
    }
  }
}

const milliseconds = (latency: string) => {
  const match = /^([\d.]+)(us|ms|s)$/.exec(latency);
  return match ? Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2] as "us" | "ms" | "s"] : Number.NaN;
};

export type InspireBenchOptions = { scale?: string; users?: number; seconds?: number };

export async function inspireBench(config: Config, root: string, report: (figure: string, value: string, target: string) => void, options: InspireBenchOptions = {}): Promise<void> {
  const { scale = "small", users = 200, seconds = 20 } = options;
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      report("inspire: load test", "not run", "(needs wrk: apt-get install wrk)");
      return;
    }
  }
  // Give the first users of the generated data a password, so that they can log in like app users.
  const db = await connectMysql(config.mysqlUrl, 1);
  const [rows] = await db.query("SELECT user_id, email FROM users ORDER BY user_id LIMIT ?", [users]);
  await db.query("UPDATE users SET password_hash = ? WHERE user_id <= ?", [await hashPassword(PASSWORD), users]);
  await db.end();

  let server = await startInspire(config, 1);
  try {
    const tokens: string[] = [];
    for (const { email } of rows as Array<{ email: string }>) {
      const response = await fetch(`${server.base}/v1/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password: PASSWORD }) });
      if (response.status !== 201) throw new Error(`login for ${email} failed: ${response.status} ${await response.text()}`);
      tokens.push(((await response.json()) as { token: string }).token);
    }
    const lua = (method: string, path: string, body?: string) => `
tokens = {${tokens.map((t) => `"${t}"`).join(",")}}
counter = 0
request = function()
  counter = counter + 1
  local headers = { ["Authorization"] = "Bearer " .. tokens[(counter % #tokens) + 1], ["Content-Type"] = "application/json" }
  return wrk.format("${method}", "${path}", headers, ${body ? `'${body}'` : "nil"})
end`;
    const get = join(root, "inspiration.lua");
    const post = join(root, "activities.lua");
    await writeFile(get, lua("GET", "/v1/me/inspiration"));
    await writeFile(post, lua("POST", "/v1/me/activities", JSON.stringify({ activity_type: "running", started_at: new Date(Date.now() - 3_600_000).toISOString(), duration_min: 35, distance_km: 6.2 })));

    // A short unmeasured pass first, so that the figures are of a warm server (caches filled, code optimised).
    await warm(server.base, tokens, 1);
    wrk(server.base, get, 3);
    const inspiration = wrk(server.base, get, seconds);
    report(`inspire ${scale}: GET /v1/me/inspiration, 1 worker, 100 connections, ${seconds} s, ${users} users (wrk)`, `${Math.round(inspiration.rps).toLocaleString("en-US")} req/s`, "target ≥ 7,000 req/s at small (in-process stores: 7,866)");
    report(`inspire ${scale}: GET /v1/me/inspiration latency p50 / p99, 1 worker`, `${inspiration.p50} / ${inspiration.p99}`, `target p99 ≤ 30 ms at small (in-process: 28.2 ms); non-2xx ${inspiration.non2xx}, socket errors ${inspiration.errors}`);
    const activities = wrk(server.base, post, seconds);
    report(`inspire ${scale}: POST /v1/me/activities, 1 worker, 100 connections, ${seconds} s (wrk)`, `${Math.round(activities.rps).toLocaleString("en-US")} req/s`, "target ≥ 3,000 req/s at small (in-process stores: 3,343)");
    report(`inspire ${scale}: POST /v1/me/activities latency p50 / p99, 1 worker`, `${activities.p50} / ${activities.p99}`, `non-2xx ${activities.non2xx}, socket errors ${activities.errors}`);
    await stopInspire(server);

    // The same sessions (they live in DynamoDB) against two workers on one port.
    server = await startInspire(config, 2);
    await warm(server.base, tokens, 2);
    wrk(server.base, get, 3);
    const two = wrk(server.base, get, seconds);
    report(`inspire ${scale}: GET /v1/me/inspiration, 2 workers, 100 connections, ${seconds} s (wrk)`, `${Math.round(two.rps).toLocaleString("en-US")} req/s`, `${(two.rps / inspiration.rps).toFixed(2)}× 1 worker; target ≥ 1.6× at large`);
    report(`inspire ${scale}: GET /v1/me/inspiration latency p50 / p99, 2 workers`, `${two.p50} / ${two.p99}`, `target p99 ≤ 50 ms at large${milliseconds(two.p99) > 50 ? " (MISSED)" : ""}; non-2xx ${two.non2xx}, socket errors ${two.errors}`);
  } finally {
    await stopInspire(server);
  }
}
