/**
 * @module Bearer-token authentication: the token's hash names a live session in DynamoDB `sessions`.
 * The request then runs through the erasure gate: refused once the user's erasure has begun, and
 * waited for by an erasure that begins while it runs. Under `nike serve --workers`, a request that
 * dropped cached entries answers only once every worker has dropped them (`server/shared-caches.ts`).
 */
import { createMiddleware } from "hono/factory";
import type { AppContext } from "../context.ts";
import { ApiError } from "../errors.ts";
import { TOKEN_PATTERN, hashToken } from "./tokens.ts";
import { useSession } from "./session-activity.ts";
import { CSRF_HEADER, csrfPasses, webSessionToken } from "./web-session.ts";

export type AuthVariables = { userId: number; tokenHash: string; viaCookie: boolean };

export function requireUser(ctx: AppContext) {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    // Several route groups may guard one path: authenticate (and pass the gate) once.
    if (c.get("userId") !== undefined) return next();
    // API clients send a bearer token; the web app's session travels in its cookie.
    const header = c.req.header("authorization");
    const fromCookie = header === undefined ? webSessionToken(c) : undefined;
    const token = fromCookie ?? /^Bearer (\S+)$/.exec(header ?? "")?.[1];
    if (!token) throw new ApiError(401, "unauthorized", "Send the session token as `Authorization: Bearer <token>` (POST /v1/sessions to log in).");
    if (!TOKEN_PATTERN.test(token)) throw new ApiError(401, "invalid_token", "The bearer token is malformed: log in again with POST /v1/sessions.");
    const tokenHash = hashToken(token);
    if (fromCookie && !csrfPasses(c, ctx.config, tokenHash)) throw new ApiError(403, "csrf_failed", `A change made with the web app's session cookie must carry its CSRF token in the ${CSRF_HEADER} header.`);
    const now = ctx.now();
    let session = ctx.sessionCache.get(tokenHash, now.getTime());
    if (session && session.expiresAt * 1000 <= now.getTime()) session = undefined;
    if (!session) {
      const forgets = ctx.sessionCache.forgets;
      const stored = await ctx.sessions.get(tokenHash, now);
      if (!stored) throw new ApiError(401, "invalid_token", "The session is unknown or has expired: log in again with POST /v1/sessions.");
      session = { userId: stored.user_id, expiresAt: stored.expires_at, startedAt: stored.started_at, lastSeenAt: Date.parse(stored.last_seen_at) };
      // A logout or erasure meanwhile (here or in another worker) may have ended what was just read: use it once, cache it not.
      if (ctx.sessionCache.forgets === forgets) ctx.sessionCache.set(tokenHash, session, now.getTime());
    }
    useSession(ctx, tokenHash, session, now);
    const userId = session.userId;
    if (!ctx.erasure.enter(userId)) throw new ApiError(401, "invalid_token", "This account is being erased.");
    try {
      c.set("userId", userId);
      c.set("tokenHash", tokenHash);
      c.set("viaCookie", fromCookie !== undefined);
      await next();
    } finally {
      // What this request dropped from the caches (a logout, an erasure, new goals) is gone from every worker before it answers.
      const settling = ctx.peers.settled();
      if (settling) await settling;
      ctx.erasure.leave(userId);
    }
  });
}
