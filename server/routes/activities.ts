/** @module `POST/GET /v1/me/activities`: workout logs (MongoDB `activity_logs`), read newest first with a cursor. */
import { randomInt } from "node:crypto";
import { createRoute, z } from "@hono/zod-openapi";
import { ACTIVITY_NAMES } from "../../domain/vocabulary.ts";
import type { Doc, Filter } from "../../stores/documents.ts";
import { requireUser, type AuthVariables } from "../auth/require-user.ts";
import type { AppContext } from "../context.ts";
import { ApiError } from "../errors.ts";
import { ALWAYS, FAILS, SIGNED_IN_SECURITY, errorResponses, json, jsonBody } from "../openapi.ts";
import { userPlace } from "../users.ts";
import { routeGroup } from "../validation.ts";
import { TimeZone } from "../goals.ts";

export const ActivityBody = z
  .object({
    activity_type: z.enum(ACTIVITY_NAMES),
    started_at: z.iso.datetime({ offset: true }),
    duration_min: z.number().min(1).max(1440),
    distance_km: z.number().min(0).max(1000).nullable().optional(),
    calories: z.number().int().min(0).max(20_000).nullable().optional(),
    avg_heart_rate: z.number().int().min(30).max(230).nullable().optional(),
    /** Where the workout happened, if the device knows; else the user's own zone. */
    time_zone: TimeZone.optional(),
  })
  .strict();

export const ActivityQuery = z
  .object({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    type: z.enum(ACTIVITY_NAMES).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  })
  .strict();

/**
 * Ids that sort by time: milliseconds × 2^11 plus a sequence, strictly increasing in this process
 * (< 2^53 until the year 2109). The sequence starts at a random point so that two servers rarely
 * meet; when they do, the insert is retried with the next id.
 */
let lastId = 0;
const newActivityId = (now: number) => (lastId = Math.max(now * 2048 + randomInt(1024), lastId + 1));

const encodeCursor = (doc: Doc) => Buffer.from(`${(doc.started_at as Date).getTime()}.${doc._id}`).toString("base64url");
function decodeCursor(cursor: string): { at: Date; id: number } {
  const match = /^(\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(cursor, "base64url").toString());
  const [at, id] = match ? [Number(match[1]), Number(match[2])] : [Number.NaN, Number.NaN];
  if (!Number.isSafeInteger(at) || !Number.isSafeInteger(id)) throw new ApiError(400, "invalid_cursor", "The cursor is not one this API returned: start again without it.");
  return { at: new Date(at), id };
}

/** A workout as the API shows it. */
const Activity = z
  .object({
    id: z.int(),
    activity_type: z.enum(ACTIVITY_NAMES),
    started_at: z.iso.datetime(),
    time_zone: z.string().nullable(),
    duration_min: z.number(),
    distance_km: z.number().nullable(),
    calories: z.number().nullable(),
    avg_heart_rate: z.number().nullable(),
    city: z.string().nullable(),
    state: z.string().nullable(),
  })
  .openapi("Activity");

export const activityView = (doc: Doc): z.infer<typeof Activity> => ({
  id: doc._id as number,
  activity_type: doc.activity_type as z.infer<typeof Activity>["activity_type"],
  started_at: (doc.started_at as Date).toISOString(),
  time_zone: (doc.time_zone as string | undefined) ?? null,
  duration_min: doc.duration_min as number,
  distance_km: (doc.distance_km as number | null | undefined) ?? null,
  calories: (doc.calories as number | null | undefined) ?? null,
  avg_heart_rate: (doc.avg_heart_rate as number | null | undefined) ?? null,
  city: (doc.city as string | null | undefined) ?? null,
  state: (doc.state as string | null | undefined) ?? null,
});

const logActivity = createRoute({
  method: "post",
  path: "/v1/me/activities",
  summary: "Log a workout (MongoDB activity_logs): started_at is an instant with its offset; time_zone (IANA) says where it happened, else the zone in the user's goals, else their city's. The warehouse files it under that local date and hour.",
  security: SIGNED_IN_SECURITY,
  request: { body: jsonBody(ActivityBody) },
  responses: {
    201: json(Activity, "Logged"),
    ...errorResponses({
      400: FAILS.invalid,
      401: FAILS.unauthenticated,
      403: FAILS.csrf,
      413: FAILS.tooLarge,
      415: FAILS.notJson,
      422: "`in_the_future` or `too_old` (more than two years ago): started_at is out of range",
      ...ALWAYS,
    }),
  },
});

const listActivities = createRoute({
  method: "get",
  path: "/v1/me/activities",
  summary: "Workouts, newest first; filter by from/to/type; follow next_cursor for more.",
  security: SIGNED_IN_SECURITY,
  request: { query: ActivityQuery },
  responses: {
    200: json(z.object({ items: z.array(Activity), next_cursor: z.string().nullable() }), "A page of workouts"),
    ...errorResponses({ 400: `${FAILS.invalid}, or \`invalid_cursor\`: a cursor this API did not return`, 401: FAILS.unauthenticated, ...ALWAYS }),
  },
});

export function activityRoutes(ctx: AppContext) {
  const app = routeGroup<{ Variables: AuthVariables }>();
  app.use("/v1/me/activities", requireUser(ctx));

  app.openapi(logActivity, async (c) => {
    const userId = c.get("userId");
    const body = c.req.valid("json");
    const now = ctx.now();
    const startedAt = new Date(body.started_at);
    if (startedAt.getTime() > now.getTime() + 5 * 60_000) throw new ApiError(422, "in_the_future", "started_at is in the future: log workouts once they have started.");
    // The warehouse calendar (dim_date) starts in 2015; two years back keeps every logged workout inside it.
    if (startedAt.getTime() < now.getTime() - 730 * 86_400_000) throw new ApiError(422, "too_old", "started_at is more than two years ago: log recent workouts only.");
    let home = ctx.placeCache.get(userId);
    if (!home) {
      const place = await userPlace(ctx.mysql, ctx.documents, userId);
      if (!place) throw new ApiError(401, "invalid_token", "This account no longer exists.");
      ctx.placeCache.set(userId, (home = place));
    }
    const doc: Doc = {
      _id: newActivityId(now.getTime()),
      user_id: userId,
      activity_type: body.activity_type,
      started_at: startedAt,
      time_zone: body.time_zone ?? home.time_zone,
      duration_min: body.duration_min,
      distance_km: body.distance_km ?? null,
      calories: body.calories ?? null,
      avg_heart_rate: body.avg_heart_rate ?? null,
      city: home.city,
      state: home.state,
      created_at: now,
      updated_at: now,
    };
    try {
      await ctx.documents.collection("activity_logs").insertMany([doc]);
    } catch (error) {
      if (!/duplicate key/i.test((error as Error).message)) throw error;
      doc._id = newActivityId(Date.now());
      await ctx.documents.collection("activity_logs").insertMany([doc]);
    }
    ctx.inspirationCache.delete(userId);
    return c.json(activityView(doc), 201);
  });

  app.openapi(listActivities, async (c) => {
    const userId = c.get("userId");
    const q = c.req.valid("query");
    const range: Record<string, Date> = {};
    if (q.from) range.$gte = new Date(q.from);
    if (q.to) range.$lt = new Date(q.to);
    const filter: Filter = { user_id: userId };
    if (Object.keys(range).length > 0) filter.started_at = range;
    if (q.type) filter.activity_type = q.type;
    if (q.cursor) {
      const { at, id } = decodeCursor(q.cursor);
      filter.$or = [{ started_at: { $lt: at } }, { started_at: at, _id: { $lt: id } }];
    }
    const docs = await ctx.documents.collection("activity_logs").find(filter, { sort: { started_at: -1, _id: -1 }, limit: q.limit + 1 });
    const page = docs.slice(0, q.limit);
    return c.json({ items: page.map(activityView), next_cursor: docs.length > q.limit ? encodeCursor(page[page.length - 1]) : null }, 200);
  });
  return app;
}
