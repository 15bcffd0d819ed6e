/** The dispatcher run by hand (`nike notify`): every due message, batch after batch, exactly once; consent re-checked. */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { World } from "../../test-support/world.ts";
import { loadedWorld } from "../../test-support/published-world.ts";
import { closeAppContext, openAppContext, type AppContext } from "../context.ts";
import { todaysInspiration } from "../inspiration/today.ts";
import { profile } from "../users.ts";
import { Dispatcher } from "./dispatcher.ts";
import { enqueueInspiration } from "./outbox.ts";

let world: World;
let ctx: AppContext;

beforeAll(async () => {
  world = await loadedWorld(51);
  ctx = await openAppContext(world.config, { reportsDir: join(world.dataDir, "site"), logLevel: "silent" });
});
afterAll(async () => {
  await closeAppContext(ctx);
  await world?.dispose();
});

describe("Dispatcher.runOnce", () => {
  it("sends every due message across batches, once, to the outbox folder when SMTP_URL is unset, and cancels one whose consent was withdrawn", async () => {
    const [rows] = await ctx.mysql.query("SELECT user_id FROM users WHERE email_consent ORDER BY user_id LIMIT 151");
    const ids = (rows as Array<{ user_id: number }>).map((r) => r.user_id);
    expect(ids).toHaveLength(151);
    const now = new Date();
    for (const id of ids) {
      const user = await profile(ctx.mysql, id);
      await enqueueInspiration(ctx.mysql, user!, "email", await todaysInspiration(ctx, id, now), "inspiration", new Date(now.getTime() - 1000));
    }
    await ctx.mysql.query("UPDATE users SET email_consent = FALSE WHERE user_id = ?", [ids[150]]);

    const dispatcher = new Dispatcher(ctx);
    expect(await dispatcher.runOnce()).toBe(150);
    expect(await dispatcher.runOnce()).toBe(0);
    const [statuses] = await ctx.mysql.query("SELECT status, COUNT(*) AS n FROM notification_outbox GROUP BY status ORDER BY status");
    expect(statuses).toEqual([{ status: "sent", n: 150 }, { status: "cancelled", n: 1 }]);
    const files = (await readdir(join(world.dataDir, "outbox", "email"))).filter((f) => f.endsWith(".eml"));
    expect(files).toHaveLength(150);
    const [history] = await ctx.mysql.query("SELECT COUNT(DISTINCT user_id) AS n FROM quote_history");
    expect(history).toEqual([{ n: 150 }]);
  });
});
