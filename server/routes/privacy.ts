/**
 * @module Data-subject rights: `GET /v1/me/export` returns everything held about the user in every
 * store; `DELETE /v1/me` erases them from MySQL, MongoDB, DynamoDB, pending notifications and the
 * warehouse and lake (by pseudonym). After an erase, login fails and no store returns the user.
 */
import { Hono } from "hono";
import { pseudonym } from "../../lib/pseudonym.ts";
import { removeOutboxFilesMentioning } from "../../lib/outbox-files.ts";
import { eraseFromWarehouse, warehouseRows } from "../../warehouse/erase.ts";
import { takeWarehouseLock } from "../../warehouse/publish-lock.ts";
import { requireUser, type AuthVariables } from "../auth/require-user.ts";
import { clearWebSession } from "../auth/web-session.ts";
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

/** Seconds an erasure waits for a running ETL batch to publish before asking the client to retry. */
const WAREHOUSE_WAIT_S = 60;

/**
 * Erases the user from every store. The caller has begun the erasure at the gate (no request of the
 * user's runs any more); the warehouse lock keeps ETL runs out until the sources and the warehouse
 * are both clean. Sessions and documents are swept again after the account row is gone, for a login
 * or write that another server instance let through meanwhile.
 */
export async function eraseUser(ctx: AppContext, userId: number) {
  const lock = await takeWarehouseLock(ctx.mysql, WAREHOUSE_WAIT_S);
  if (!lock) throw new ApiError(503, "warehouse_busy", "A warehouse refresh is running: retry the erasure in a minute.", { retry_after_s: 60 });
  try {
    // Sessions first, so that the account stops working even if a later step fails and is retried.
    const sessions = await sweepSessions(ctx, userId);
    const documents = await sweepDocuments(ctx, userId);
    const [contacts] = await ctx.mysql.query("SELECT email, phone FROM users WHERE user_id = ?", [userId]);
    const contact = (contacts as Array<{ email: string; phone: string | null }>)[0];
    const outboxFiles = contact ? await removeOutboxFilesMentioning(ctx.config, [contact.email, contact.phone ?? ""]) : 0;
    const warehouse = await eraseFromWarehouse(ctx.config, ctx.mysql, pseudonym(ctx.config.pseudonymKey, userId));
    await ctx.mysql.query("DELETE FROM etl_quarantine WHERE JSON_VALUE(document, '$.user_id') = ? OR (source = 'users' AND source_id = ?)", [userId, String(userId)]);
    // Child rows (preferences, devices, outbox, quote history…) go by ON DELETE CASCADE; sales and orders keep no link.
    const [deleted] = await ctx.mysql.query("DELETE FROM users WHERE user_id = ?", [userId]);
    const late = { sessions: await sweepSessions(ctx, userId), documents: await sweepDocuments(ctx, userId) };
    ctx.inspirationCache.delete(userId);
    ctx.placeCache.delete(userId);
    ctx.log.info({ user: pseudonym(ctx.config.pseudonymKey, userId) }, "user erased");
    return {
      mysql_users: (deleted as { affectedRows: number }).affectedRows,
      sessions: sessions + late.sessions,
      user_goals: documents.goals + late.documents.goals,
      activity_logs: documents.activities + late.documents.activities,
      warehouse_rows: warehouse.rows,
      lake_files: warehouse.files,
      outbox_files: outboxFiles,
    };
  } finally {
    await lock.release();
  }
}

async function sweepSessions(ctx: AppContext, userId: number): Promise<number> {
  const sessions = await ctx.sessions.byUser(userId);
  for (const s of sessions) {
    await ctx.sessions.delete(s.token_hash);
    ctx.sessionCache.delete(s.token_hash);
  }
  return sessions.length;
}

async function sweepDocuments(ctx: AppContext, userId: number) {
  return {
    goals: await ctx.documents.collection("user_goals").deleteMany({ user_id: userId }),
    activities: await ctx.documents.collection("activity_logs").deleteMany({ user_id: userId }),
  };
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
    const userId = c.get("userId");
    // From here on none of the user's requests or logins starts, and those running are waited for.
    if (!(await ctx.erasure.begin(userId))) throw new ApiError(409, "erasure_in_progress", "This account is already being erased.");
    try {
      const summary = await eraseUser(ctx, userId);
      if (c.get("viaCookie")) clearWebSession(c);
      return c.json({ erased: true, ...summary });
    } finally {
      ctx.erasure.end(userId);
    }
  });
  return app;
}
