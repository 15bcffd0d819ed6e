/** @module `GET /v1/me/inspiration` (today's suggestion, with why) and `POST /v1/me/inspiration/send`. */
import { Hono } from "hono";
import { requireUser, type AuthVariables } from "../auth/require-user.ts";
import type { AppContext } from "../context.ts";
import { ApiError } from "../errors.ts";
import { localDay, todaysInspiration } from "../inspiration/today.ts";
import { consentProblem, enqueueInspiration, type Channel } from "../notify/outbox.ts";
import { goalsView } from "../goals.ts";
import { profile } from "../users.ts";

export function inspirationRoutes(ctx: AppContext) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use("/v1/me/inspiration/*", requireUser(ctx)); // also matches /v1/me/inspiration itself

  /** Cached per user until their day changes, they log a workout or change goals (or ten minutes pass). */
  const today = async (userId: number) => {
    const now = ctx.now();
    const cached = ctx.inspirationCache.get(userId, now.getTime());
    if (cached && cached.date === localDay(now, cached.time_zone)) return cached;
    const fresh = await todaysInspiration(ctx, userId, now);
    ctx.inspirationCache.set(userId, fresh, now.getTime());
    return fresh;
  };

  app.get("/v1/me/inspiration", async (c) => c.json(await today(c.get("userId"))));

  app.post("/v1/me/inspiration/send", async (c) => {
    const userId = c.get("userId");
    const user = await profile(ctx.mysql, userId);
    if (!user) throw new ApiError(401, "invalid_token", "This account no longer exists.");
    const channel = goalsView(await ctx.documents.collection("user_goals").findOne({ _id: userId })).notifications.channel;
    const problem = consentProblem(user, channel);
    if (problem) throw new ApiError(409, channel === "email" || channel === "sms" ? "consent_required" : "no_channel", problem, { channel });
    const inspiration = await today(userId);
    const { row, created } = await enqueueInspiration(ctx.mysql, user, channel as Channel, inspiration, "inspiration-now", ctx.now());
    if (created) ctx.wakeDispatcher?.();
    return c.json({ message_id: row.message_id, channel, status: row.status, queued: created, date: inspiration.date }, created ? 202 : 200);
  });
  return app;
}
