/** @module Accounts: register (`POST /v1/users`), the city list, log in and out (`/v1/sessions`). */
import type { Context } from "hono";
import { getConnInfo } from "@hono/node-server/conninfo";
import { createRoute, z } from "@hono/zod-openapi";
import { SHOPPING } from "../../domain/vocabulary.ts";
import { columnLimit, fits } from "../../stores/column-limits.ts";
import { pseudonym } from "../../lib/pseudonym.ts";
import { hashPassword, verifyPassword } from "../auth/passwords.ts";
import { requireUser, type AuthVariables } from "../auth/require-user.ts";
import { Throttled } from "../auth/attempt-limits.ts";
import { hashToken, newToken } from "../auth/tokens.ts";
import { clearWebSession, setWebSession } from "../auth/web-session.ts";
import type { AppContext } from "../context.ts";
import { ApiError } from "../errors.ts";
import { noticeSignUpAttempt } from "../notify/outbox.ts";
import { ALWAYS, FAILS, SIGNED_IN_SECURITY, errorResponses, json, jsonBody } from "../openapi.ts";
import { routeGroup } from "../validation.ts";
import { userPlace } from "../users.ts";

export const SESSION_DAYS = 30;

const adult = (dob: string, now: Date) => {
  const d = new Date(`${dob}T00:00:00Z`);
  const age = now.getUTCFullYear() - d.getUTCFullYear() - (now.getUTCMonth() * 100 + now.getUTCDate() < d.getUTCMonth() * 100 + d.getUTCDate() ? 1 : 0);
  return age >= 13 && age <= 120;
};

/** A full name as it is stored: the first word, and the rest. */
const nameParts = (name: string) => {
  const [first, ...rest] = name.split(/\s+/);
  return { first, last: rest.join(" ") };
};
const FIRST_NAME = columnLimit("users", "first_name");
const LAST_NAME = columnLimit("users", "last_name");

export const RegisterBody = z
  .object({
    name: z.string().trim().min(1).max(FIRST_NAME + LAST_NAME + 1)
      .refine((name) => fits(nameParts(name).first, FIRST_NAME) && fits(nameParts(name).last, LAST_NAME), `must have a first name of at most ${FIRST_NAME} characters and a rest of at most ${LAST_NAME}`),
    email: z.email().max(columnLimit("users", "email")),
    password: z.string().min(10, "must be at least 10 characters").max(256),
    date_of_birth: z.iso.date(),
    city: z.string().trim().min(1).max(columnLimit("cities", "name")),
    region: z.string().regex(/^[A-Z]{2}$/, "must be a two-letter US state code such as CO"),
    phone: z.string().regex(/^\+[1-9][0-9]{7,14}$/, "must be in E.164 form such as +13035550123").optional(),
    gender: z.enum(["female", "male", "nonbinary"]).optional(),
    shopping_preference: z.enum(SHOPPING),
    consent: z.object({ email: z.boolean(), sms: z.boolean() }).strict(),
  })
  .strict()
  .refine((b) => adult(b.date_of_birth, new Date()), { path: ["date_of_birth"], message: "must make the user between 13 and 120 years old" })
  .refine((b) => !b.consent.sms || b.phone, { path: ["phone"], message: "is required to consent to SMS" });

export const LoginBody = z.object({ email: z.email().max(columnLimit("users", "email")), password: z.string().min(1).max(256) }).strict();

const THROTTLED = "`too_many_attempts`: too many attempts from this address (or for this account); `Retry-After` says when to try again";
const WRONG_PASSWORD = "`invalid_credentials`: the e-mail or password is wrong";
const expiresAt = z.iso.datetime().describe("When the session expires (30 days), unless it goes unused for 30 minutes first");

const register = createRoute({
  method: "post",
  path: "/v1/users",
  summary: "Register an account (MySQL users), then log in. A taken e-mail gets the same answer (its owner is told by e-mail), so sign-up does not reveal who has an account.",
  request: { body: jsonBody(RegisterBody) },
  responses: {
    202: json(z.object({ email: z.string(), next: z.string() }), "Accepted: log in with POST /v1/sessions"),
    ...errorResponses({ 400: FAILS.invalid, 413: FAILS.tooLarge, 415: FAILS.notJson, 422: "`unknown_city`: not a city GET /v1/cities lists", 429: THROTTLED, ...ALWAYS }),
  },
});

const cities = createRoute({
  method: "get",
  path: "/v1/cities",
  summary: "The cities an account can live in.",
  responses: {
    200: json(z.object({ cities: z.array(z.object({ city: z.string(), region: z.string(), state: z.string() })) }), "Cities, by state"),
    ...errorResponses(ALWAYS),
  },
});

const LOGIN_FAILS = errorResponses({ 400: FAILS.invalid, 401: WRONG_PASSWORD, 413: FAILS.tooLarge, 415: FAILS.notJson, 429: THROTTLED, ...ALWAYS });

const logInRoute = createRoute({
  method: "post",
  path: "/v1/sessions",
  summary: "Log in: returns a bearer token (stored hashed in DynamoDB sessions).",
  request: { body: jsonBody(LoginBody) },
  responses: {
    201: json(z.object({ token: z.string(), token_type: z.literal("Bearer"), user_id: z.int(), expires_at: expiresAt }), "The session's token"),
    ...LOGIN_FAILS,
  },
});

const webLogIn = createRoute({
  method: "post",
  path: "/app/session",
  summary: "The web app's login: the session goes into an HttpOnly, SameSite=Strict cookie, with a readable CSRF cookie whose value writes must echo in X-CSRF-Token.",
  request: { body: jsonBody(LoginBody) },
  responses: {
    201: json(z.object({ user_id: z.int(), expires_at: expiresAt }), "Cookies set"),
    ...LOGIN_FAILS,
  },
});

const logOut = createRoute({
  method: "delete",
  path: "/v1/sessions/current",
  summary: "Log out: ends the session of the token (or cookie) sent.",
  security: SIGNED_IN_SECURITY,
  responses: {
    204: { description: "Logged out" },
    ...errorResponses({ 401: FAILS.unauthenticated, 403: FAILS.csrf, ...ALWAYS }),
  },
});

async function accountExists(ctx: AppContext, userId: number): Promise<boolean> {
  const [rows] = await ctx.mysql.query("SELECT 1 FROM users WHERE user_id = ?", [userId]);
  return (rows as unknown[]).length > 0;
}

const clientAddress = (c: Context) => getConnInfo(c).remote.address ?? "unknown";

/** Runs a throttle's reservation; a refusal becomes 429 (with Retry-After). */
async function throttled<T>(reserve: () => Promise<T>): Promise<T> {
  try {
    return await reserve();
  } catch (error) {
    if (!(error instanceof Throttled)) throw error;
    throw new ApiError(429, "too_many_attempts", `Too many attempts from here: try again in ${error.retryAfterS} seconds.`, { retry_after_s: error.retryAfterS });
  }
}

export function accountRoutes(ctx: AppContext) {
  const app = routeGroup<{ Variables: AuthVariables }>();

  // A new address and a taken one get the same answer (and cost the same scrypt), so sign-up does not
  // tell who has an account; the owner of a taken one is told by e-mail instead.
  app.openapi(register, async (c) => {
    const body = c.req.valid("json");
    await throttled(() => ctx.limits.reserveSignUp(clientAddress(c)));
    const [cities] = await ctx.mysql.query("SELECT city_id FROM cities WHERE name = ? AND state_code = ?", [body.city, body.region]);
    const city = (cities as Array<{ city_id: number }>)[0];
    if (!city) throw new ApiError(422, "unknown_city", `${body.city}, ${body.region} is not a city we serve: GET /v1/cities lists them.`, { city: body.city, region: body.region });
    const { first, last } = nameParts(body.name);
    const email = body.email.toLowerCase();
    const passwordHash = await hashPassword(body.password);
    try {
      const [result] = await ctx.mysql.query(
        `INSERT INTO users (first_name, last_name, email, password_hash, date_of_birth, gender, shopping_preference, city_id, phone, email_consent, sms_consent)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [first, last, email, passwordHash, body.date_of_birth, body.gender ?? null, body.shopping_preference, city.city_id, body.phone ?? null, body.consent.email, body.consent.sms],
      );
      ctx.log.info({ user: pseudonym(ctx.config.pseudonymKey, (result as { insertId: number }).insertId) }, "user registered");
    } catch (error) {
      if ((error as { code?: string }).code !== "ER_DUP_ENTRY") throw error;
      await noticeSignUpAttempt(ctx.mysql, email, ctx.now());
      ctx.wakeDispatcher?.();
    }
    return c.json({ email, next: "Log in with POST /v1/sessions and this password. If the address already had an account, its owner has been told by e-mail instead." }, 202);
  });

  app.openapi(cities, async (c) => {
    const [rows] = await ctx.mysql.query("SELECT c.name AS city, c.state_code AS region, s.name AS state FROM cities c JOIN states s USING (state_code) ORDER BY c.state_code, c.name");
    return c.json({ cities: rows as Array<{ city: string; region: string; state: string }> }, 200);
  });

  /** Checks the password (throttled, and losing to any erasure of the account) and starts a session. */
  async function logIn(c: Context, email: string, password: string, platform: string) {
    const account = email.toLowerCase();
    const reservation = await throttled(() => ctx.limits.reserveLogin(account, clientAddress(c)));
    const [rows] = await ctx.mysql.query("SELECT user_id, password_hash FROM users WHERE email = ?", [account]);
    const user = (rows as Array<{ user_id: number; password_hash: string | null }>)[0];
    const wrong = () => new ApiError(401, "invalid_credentials", "The e-mail or password is wrong.");
    if (user && !ctx.erasure.enter(user.user_id)) {
      await verifyPassword(password, null);
      throw wrong();
    }
    try {
      if (!(await verifyPassword(password, user?.password_hash ?? null)) || !user) throw wrong();
      await reservation.succeeded();
      const token = newToken();
      const tokenHash = hashToken(token);
      const now = ctx.now();
      const expiresAt = Math.floor(now.getTime() / 1000) + SESSION_DAYS * 86_400;
      const place = await userPlace(ctx.mysql, ctx.documents, user.user_id);
      if (!place) throw wrong();
      const session = { token_hash: tokenHash, user_id: user.user_id, platform, time_zone: place.time_zone, started_at: now.toISOString(), last_seen_at: now.toISOString(), duration_s: 0, expires_at: expiresAt };
      await ctx.sessions.put(session);
      // An erasure that began meanwhile (here, or on another instance, which has deleted the row) wins.
      if (ctx.erasure.isErasing(user.user_id) || !(await accountExists(ctx, user.user_id))) {
        await ctx.sessions.delete(tokenHash);
        throw wrong();
      }
      return { token, tokenHash, userId: user.user_id, expiresAt };
    } finally {
      if (user) ctx.erasure.leave(user.user_id);
    }
  }

  app.openapi(logInRoute, async (c) => {
    const { email, password } = c.req.valid("json");
    const session = await logIn(c, email, password, "api");
    return c.json({ token: session.token, token_type: "Bearer" as const, user_id: session.userId, expires_at: new Date(session.expiresAt * 1000).toISOString() }, 201);
  });

  // The web app's login: the token goes into an HttpOnly cookie, never into the page.
  app.openapi(webLogIn, async (c) => {
    const { email, password } = c.req.valid("json");
    const session = await logIn(c, email, password, "web");
    setWebSession(c, ctx.config, session.token, session.tokenHash, session.expiresAt);
    return c.json({ user_id: session.userId, expires_at: new Date(session.expiresAt * 1000).toISOString() }, 201);
  });

  app.openapi({ ...logOut, middleware: requireUser(ctx) }, async (c) => {
    // The session ends but stays, with its duration, for the warehouse's app-session facts.
    const tokenHash = c.get("tokenHash");
    await ctx.sessions.end(tokenHash, ctx.now());
    ctx.sessionCache.delete(tokenHash);
    if (c.get("viaCookie")) clearWebSession(c);
    return c.body(null, 204);
  });

  return app;
}
