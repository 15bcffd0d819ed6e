/**
 * @module Data-subject rights: `GET /v1/me/export` returns everything held about the user in every
 * store; `DELETE /v1/me` erases them from MySQL, MongoDB, DynamoDB, pending notifications and the
 * warehouse and lake (by pseudonym). After an erase, login fails and no store returns the user.
 */
import { Hono } from "hono";
import { pseudonym } from "../../lib/pseudonym.ts";
import { eraseFromWarehouse, warehouseRows } from "../../warehouse/erase.ts";
import { requireUser, type AuthVariables } from "../auth/require-user.ts";
import type { AppContext } from "../context.ts";
import { ApiError } from "../errors.ts";

const PER_USER_TABLES = ["user_preferences", "user_interests", "devices", "memberships", "sales", "orders", "notification_outbox", "quote_history"];

export async function exportUser(ctx: AppContext, userId: number) {
  const [users] = await ctx.mysql.query("SELECT * FROM users WHERE user_id = ?", [userId]);
  const user = (users as Array<Record<string, unknown>>)[0];
  if (!user) throw new ApiError(401, "invalid_token", "This account no longer exists.");
  const { password_hash: _hash, ...account } = user;
  const mysql: Record<string, unknown> = { users: [account] };
  for (const table of PER_USER_TABLES) mysql[table] = (await ctx.mysql.query(`SELECT * FROM ${table} WHERE user_id = ?`, [userId]))[0];
  const orderIds = (mysql.orders as Array<{ order_id: number }>).map((o) => o.order_id);
  mysql.order_items = orderIds.length > 0 ? (await ctx.mysql.query("SELECT * FROM order_items WHERE order_id IN (?)", [orderIds]))[0] : [];
  const userPseudonym = pseudonym(ctx.config.pseudonymKey, userId);
  return {
    exported_at: ctx.now().toISOString(),
    user_id: userId,
    mysql,
    mongodb: {
      user_goals: await ctx.documents.collection("user_goals").find({ user_id: userId }),
      activity_logs: await ctx.documents.collection("activity_logs").find({ user_id: userId }, { sort: { started_at: 1 } }),
    },
    dynamodb: { sessions: await ctx.sessions.byUser(userId) },
    warehouse: { user_pseudonym: userPseudonym, ...(await warehouseRows(ctx.mysql, userPseudonym)) },
  };
}

export async function eraseUser(ctx: AppContext, userId: number) {
  // Sessions first, so that the account stops working even if a later step fails and is retried.
  const sessions = await ctx.sessions.byUser(userId);
  for (const s of sessions) {
    await ctx.sessions.delete(s.token_hash);
    ctx.sessionCache.delete(s.token_hash);
  }
  const goals = await ctx.documents.collection("user_goals").deleteMany({ user_id: userId });
  const activities = await ctx.documents.collection("activity_logs").deleteMany({ user_id: userId });
  const warehouse = await eraseFromWarehouse(ctx.config, ctx.mysql, pseudonym(ctx.config.pseudonymKey, userId));
  // Child rows (preferences, devices, outbox, quote history…) go by ON DELETE CASCADE; sales and orders keep no link.
  const [deleted] = await ctx.mysql.query("DELETE FROM users WHERE user_id = ?", [userId]);
  ctx.inspirationCache.delete(userId);
  ctx.log.info({ user_id: userId }, "user erased");
  return { mysql_users: (deleted as { affectedRows: number }).affectedRows, sessions: sessions.length, user_goals: goals, activity_logs: activities, warehouse_rows: warehouse.rows, lake_files: warehouse.files };
}

export function privacyRoutes(ctx: AppContext) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use("/v1/me", requireUser(ctx));
  app.use("/v1/me/export", requireUser(ctx));
  app.get("/v1/me/export", async (c) => {
    c.header("Content-Disposition", `attachment; filename="inspire-export-${c.get("userId")}.json"`);
    return c.json(await exportUser(ctx, c.get("userId")));
  });
  app.delete("/v1/me", async (c) => {
    const summary = await eraseUser(ctx, c.get("userId"));
    return c.json({ erased: true, ...summary });
  });
  return app;
}
