/**
 * @module Data-subject rights: `GET /v1/me/export` returns everything held about the user in every
 * store; `DELETE /v1/me` erases them from MySQL, MongoDB, DynamoDB, pending notifications and the
 * warehouse and lake (by pseudonym). After an erase, login fails and no store returns the user.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { pseudonym } from "../../lib/pseudonym.ts";
import { removeOutboxFilesMentioning } from "../../lib/outbox-files.ts";
import { eraseFromWarehouse, warehouseRows } from "../../warehouse/erase.ts";
import { takeWarehouseLock } from "../../warehouse/publish-lock.ts";
import { requireUser, type AuthVariables } from "../auth/require-user.ts";
import { clearWebSession } from "../auth/web-session.ts";
import type { AppContext } from "../context.ts";
import { ApiError } from "../errors.ts";
import { ALWAYS, FAILS, SIGNED_IN_SECURITY, errorResponses, json } from "../openapi.ts";
import { routeGroup } from "../validation.ts";

const PER_USER_TABLES = ["user_preferences", "user_interests", "devices", "memberships", "addresses", "sales", "orders", "notification_outbox", "quote_history"];

export async function exportUser(ctx: AppContext, userId: number) {
  const [users] = await ctx.mysql.query("SELECT * FROM users WHERE user_id = ?", [userId]);
  const user = (users as Array<Record<string, unknown>>)[0];
  if (!user) throw new ApiError(401, "invalid_token", "This account no longer exists.");
  const { password_hash: _hash, ...account } = user;
  const mysql: Record<string, Array<Record<string, unknown>>> = { users: [account] };
  for (const table of PER_USER_TABLES) mysql[table] = (await ctx.mysql.query(`SELECT * FROM ${table} WHERE user_id = ?`, [userId]))[0] as Array<Record<string, unknown>>;
  const orderIds = (mysql.orders as Array<{ order_id: number }>).map((o) => o.order_id);
  mysql.order_items = orderIds.length > 0 ? ((await ctx.mysql.query("SELECT * FROM order_items WHERE order_id IN (?)", [orderIds]))[0] as Array<Record<string, unknown>>) : [];
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

const rows = z.array(z.record(z.string(), z.unknown()));

const exportRoute = createRoute({
  method: "get",
  path: "/v1/me/export",
  summary: "Everything held about the user, from every store, as JSON (an attachment).",
  security: SIGNED_IN_SECURITY,
  responses: {
    200: json(
      z.object({
        exported_at: z.iso.datetime(),
        user_id: z.int(),
        mysql: z.record(z.string(), rows).describe("The account (without its password hash) and each table's rows about the user"),
        mongodb: z.object({ user_goals: rows, activity_logs: rows }),
        dynamodb: z.object({ sessions: rows }),
        warehouse: z.looseObject({ user_pseudonym: z.string() }).describe("The user's pseudonym and the warehouse rows filed under it"),
      }),
      "Export",
    ),
    ...errorResponses({ 401: FAILS.unauthenticated, ...ALWAYS }),
  },
});

const eraseRoute = createRoute({
  method: "delete",
  path: "/v1/me",
  summary: "Erase the user from every store, the outbox, the warehouse and the lake.",
  security: SIGNED_IN_SECURITY,
  responses: {
    200: json(
      z.object({
        erased: z.literal(true),
        mysql_users: z.int(),
        sessions: z.int(),
        user_goals: z.int(),
        activity_logs: z.int(),
        warehouse_rows: z.int(),
        lake_files: z.int(),
        outbox_files: z.int(),
      }),
      "Erased: what was removed where",
    ),
    ...errorResponses({
      401: FAILS.unauthenticated,
      403: FAILS.csrf,
      409: "`erasure_in_progress`: the account is already being erased",
      500: FAILS.internal,
      503: `\`warehouse_busy\`: a warehouse refresh is running, retry after \`Retry-After\` seconds; or ${FAILS.unavailable}`,
    }),
  },
});

export function privacyRoutes(ctx: AppContext) {
  const app = routeGroup<{ Variables: AuthVariables }>();
  app.use("/v1/me", requireUser(ctx));
  app.use("/v1/me/export", requireUser(ctx));
  app.openapi(exportRoute, async (c) => {
    c.header("Content-Disposition", `attachment; filename="inspire-export-${c.get("userId")}.json"`);
    return c.json(await exportUser(ctx, c.get("userId")), 200);
  });
  app.openapi(eraseRoute, async (c) => {
    const userId = c.get("userId");
    // From here on none of the user's requests or logins starts, and those running are waited for.
    if (!(await ctx.erasure.begin(userId))) throw new ApiError(409, "erasure_in_progress", "This account is already being erased.");
    try {
      const summary = await eraseUser(ctx, userId);
      if (c.get("viaCookie")) clearWebSession(c);
      return c.json({ erased: true as const, ...summary }, 200);
    } finally {
      ctx.erasure.end(userId);
    }
  });
  return app;
}
