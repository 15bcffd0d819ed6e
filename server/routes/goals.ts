/** @module `GET/PUT /v1/me/goals`: fitness goal and notification preferences (MongoDB `user_goals`). */
import { Hono } from "hono";
import { requireUser, type AuthVariables } from "../auth/require-user.ts";
import type { AppContext } from "../context.ts";
import { GoalsBody, goalsView } from "../goals.ts";
import { valid } from "../validation.ts";

export function goalRoutes(ctx: AppContext) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use("/v1/me/goals", requireUser(ctx));

  app.get("/v1/me/goals", async (c) => {
    return c.json(goalsView(await ctx.documents.collection("user_goals").findOne({ _id: c.get("userId") })));
  });

  app.put("/v1/me/goals", valid("json", GoalsBody), async (c) => {
    const userId = c.get("userId");
    const body = c.req.valid("json");
    const now = ctx.now();
    const notifications = { ...body.notifications, preferred_hour: body.notifications.preferred_hour ?? null };
    await ctx.documents.collection("user_goals").updateOne(
      { _id: userId },
      { $set: { user_id: userId, goal_type: body.goal_type, target_workouts_per_week: body.target_workouts_per_week, preferred_activities: body.preferred_activities, notifications, updated_at: now }, $setOnInsert: { created_at: now } },
      { upsert: true },
    );
    ctx.inspirationCache.delete(userId);
    ctx.placeCache.delete(userId);
    return c.json(goalsView(await ctx.documents.collection("user_goals").findOne({ _id: userId })));
  });
  return app;
}
