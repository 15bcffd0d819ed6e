/** @module `GET/PUT /v1/me/goals`: fitness goal and notification preferences (MongoDB `user_goals`). */
import { createRoute, z } from "@hono/zod-openapi";
import { requireUser, type AuthVariables } from "../auth/require-user.ts";
import type { AppContext } from "../context.ts";
import { GoalsBody, goalsView } from "../goals.ts";
import { ALWAYS, FAILS, SIGNED_IN_SECURITY, errorResponses, json, jsonBody } from "../openapi.ts";
import { routeGroup } from "../validation.ts";

/** The goals as the API shows them: the defaults (`configured: false`) until the user sets theirs. */
const Goals = GoalsBody.extend({ configured: z.boolean(), updated_at: z.iso.datetime().nullable() }).openapi("Goals");

const readGoals = createRoute({
  method: "get",
  path: "/v1/me/goals",
  summary: "Fitness goal and notification preferences (MongoDB user_goals).",
  security: SIGNED_IN_SECURITY,
  responses: { 200: json(Goals, "Goals"), ...errorResponses({ 401: FAILS.unauthenticated, ...ALWAYS }) },
});

const setGoals = createRoute({
  method: "put",
  path: "/v1/me/goals",
  summary: "Set goal, target, preferred activities, channel, quiet hours, preferred hour and time zone.",
  security: SIGNED_IN_SECURITY,
  request: { body: jsonBody(GoalsBody) },
  responses: {
    200: json(Goals, "Goals"),
    ...errorResponses({ 400: FAILS.invalid, 401: FAILS.unauthenticated, 403: FAILS.csrf, 413: FAILS.tooLarge, 415: FAILS.notJson, ...ALWAYS }),
  },
});

export function goalRoutes(ctx: AppContext) {
  const app = routeGroup<{ Variables: AuthVariables }>();
  app.use("/v1/me/goals", requireUser(ctx));

  app.openapi(readGoals, async (c) => {
    return c.json(goalsView(await ctx.documents.collection("user_goals").findOne({ _id: c.get("userId") })), 200);
  });

  app.openapi(setGoals, async (c) => {
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
    return c.json(goalsView(await ctx.documents.collection("user_goals").findOne({ _id: userId })), 200);
  });
  return app;
}
