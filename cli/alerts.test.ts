import { spawnSync } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboxDir } from "../lib/config.ts";
import { createWorld, type World } from "../test-support/world.ts";

const BIN = join(import.meta.dirname, "..", "bin", "nike.mjs");
let world: World;

beforeAll(async () => {
  world = await createWorld();
}, 60_000);
afterAll(async () => {
  await world?.dispose();
});

const nike = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, DATA_DIR: world.dataDir, MYSQL_URL: world.config.mysqlUrl, SMTP_URL: "", CI: "true", ...env },
  });

const RULES = `# a comment, as analysts write them
recipients: [data-team@example.com]
rules:
  - name: sessions-stale
    description: No app sessions loaded for a day
    kind: freshness
    source: sessions
    older_than: 1d
  - name: quarantine-high
    kind: quarantine_ratio
    above: 0.01
`;

describe("nike alerts", () => {
  it("has check and list, each with --rules", () => {
    const out = nike(["alerts", "--help"]);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/check .*\n[\s\S]*list /);
    expect(nike(["alerts", "check", "--help"]).stdout).toContain("--rules <file>");
  });

  it("a malformed rules file: exit 3 and one line naming the rule and the field, before anything connects", async () => {
    const file = join(world.dataDir, "bad.yml");
    await writeFile(file, RULES.replace("older_than: 1d", "older_than: 1d\n    period: week"));
    const out = nike(["alerts", "check", "--rules", file], { MYSQL_URL: "mysql://root@127.0.0.1:1/nowhere" });
    expect(out.status).toBe(3);
    expect(out.stderr).toBe(`nike: ${file}: rule 1 ("sessions-stale"), field "period": is not a known field (a typo?).\n`);
    expect(nike(["alerts", "list", "--rules", join(world.dataDir, "missing.yml")]).stderr).toMatch(/Cannot read the alert rules file .*missing\.yml \(ENOENT\)/);
  });

  it("check e-mails a firing rule once (ALERT_EMAILS over the file's recipients); list shows each rule's state", async () => {
    const file = join(world.dataDir, "alerts.yml");
    await writeFile(file, RULES);
    const first = nike(["alerts", "check", "--rules", file], { ALERT_EMAILS: "oncall@example.com" });
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    expect(first.stdout).toContain(`FIRING  sessions-stale  [${today}]  sessions has never been loaded (limit 1d)  — sent`);
    expect(first.stdout).toContain("ok      quarantine-high  [none]  no ETL run yet");
    const second = nike(["alerts", "check", "--rules", file], { ALERT_EMAILS: "oncall@example.com" });
    expect(second.stdout).toContain("— already sent");
    const sent = await readdir(join(outboxDir(world.config), "email"));
    expect(sent).toHaveLength(1);
    const mail = await readFile(join(outboxDir(world.config), "email", sent[0]), "utf8");
    expect(mail).toContain("To: oncall@example.com");
    expect(mail).not.toContain("data-team@example.com");

    const list = nike(["alerts", "list", "--rules", file]);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/sessions-stale {2}\(freshness\) {2}No app sessions loaded for a day\n {4}FIRING since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[\d{4}-\d\d-\d\d\], last sent \d{4}-/);
    expect(list.stdout).toMatch(/quarantine-high {2}\(quarantine_ratio\) {2}\n {4}ok since .*last sent never/);
  });
});
