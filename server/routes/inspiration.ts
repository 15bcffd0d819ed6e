/** @module `GET /v1/me/inspiration` (today's suggestion, with why) and `POST /v1/me/inspiration/send`. */
import { createRoute, z } from "@hono/zod-openapi";
import { CHANNELS } from "../../domain/vocabulary.ts";
import { requireUser, type AuthVariables } from "../auth/require-user.ts";
import type { AppContext } from "../context.ts";
import { ApiError } from "../errors.ts";
import { localDay, todaysInspiration } from "../inspiration/today.ts";
import { consentProblem, enqueueInspiration, type Channel } from "../notify/outbox.ts";
import { goalsView } from "../goals.ts";
import { ALWAYS, FAILS, SIGNED_IN_SECURITY, errorResponses, json } from "../openapi.ts";
import { profile } from "../users.ts";
import { routeGroup } from "../validation.ts";

const Inspiration = z
  .object({
    date: z.iso.date().describe("The user's local day"),
    workout: z.object({ activity: z.string(), duration_min: z.number(), intensity: z.enum(["low", "moderate", "high"]) }),
    quote: z.object({ id: z.int(), text: z.string(), author: z.string(), tone: z.string() }).nullable(),
    why: z.array(z.string()).describe("Why this workout and this quote, in plain sentences"),
    segment: z.object({ name: z.string(), best_hour: z.int().nullable() }).nullable().describe("The user's segment from the last `nike report`"),
    time_zone: z.string(),
  })
  .openapi("Inspiration");

const Sent = z.object({
  message_id: z.int(),
  channel: z.enum(CHANNELS),
  status: z.string().describe("The outbox row's status: pending, sent or dead"),
  queued: z.boolean().describe("Whether this request queued it (false: it already was, today)"),
  date: z.iso.date(),
});

const readInspiration = createRoute({
  method: "get",
  path: "/v1/me/inspiration",
  summary: "Today's workout and quote, with why they were chosen.",
  security: SIGNED_IN_SECURITY,
  responses: { 200: json(Inspiration, "Inspiration"), ...errorResponses({ 401: FAILS.unauthenticated, ...ALWAYS }) },
});

const sendNow = createRoute({
  method: "post",
  path: "/v1/me/inspiration/send",
  summary: "Send today's inspiration now by the user's channel (needs consent).",
  security: SIGNED_IN_SECURITY,
  responses: {
    202: json(Sent, "Queued"),
    200: json(Sent, "Already queued today"),
    ...errorResponses({
      401: FAILS.unauthenticated,
      403: FAILS.csrf,
      409: "`consent_required` (no consent to the channel, or no phone for SMS) or `no_channel`",
      413: FAILS.tooLarge,
      415: FAILS.notJson,
      ...ALWAYS,
    }),
  },
});

export function inspirationRoutes(ctx: AppContext) {
  const app = routeGroup<{ Variables: AuthVariables }>();
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

  app.openapi(readInspiration, async (c) => c.json(await today(c.get("userId")), 200));

  app.openapi(sendNow, async (c) => {
    const userId = c.get("userId");
    const user = await profile(ctx.mysql, userId);
    if (!user) throw new ApiError(401, "invalid_token", "This account no longer exists.");
    const channel = goalsView(await ctx.documents.collection("user_goals").findOne({ _id: userId })).notifications.channel;
    const problem = consentProblem(user, channel);
    if (problem) throw new ApiError(409, channel === "email" || channel === "sms" ? "consent_required" : "no_channel", problem, { channel });
    const inspiration = await today(userId);
    const { row, created } = await enqueueInspiration(ctx.mysql, user, channel as Channel, inspiration, "inspiration-now", ctx.now());
    if (created) ctx.wakeDispatcher?.();
    const sent = { message_id: row.message_id, channel, status: row.status, queued: created, date: inspiration.date };
    return created ? c.json(sent, 202) : c.json(sent, 200);
  });
  return app;
}
