/**
 * @module App sessions are measured, not invented: a session's last-seen time and duration follow its
 * use, recorded at most once per TOUCH_MS per session (off the request's path, so the hot routes do
 * not wait on DynamoDB), and a session unused for IDLE_MS ends at its last use, as logout ends it.
 */
import type { AppContext, CachedSession } from "../context.ts";
import { ApiError } from "../errors.ts";

export const TOUCH_MS = 5 * 60_000;
export const IDLE_MS = 30 * 60_000;


/** Accounts for one use of `session` at `now`: ends it (and throws 401) after an idle gap, else records the use when due. */
export function useSession(ctx: AppContext, tokenHash: string, session: CachedSession, now: Date): void {
  if (now.getTime() - session.lastSeenAt > IDLE_MS) {
    ctx.sessionCache.delete(tokenHash);
    void ctx.sessions.end(tokenHash, new Date(session.lastSeenAt)).catch((error) => ctx.log.warn({ err: error }, "could not end an idle session"));
    throw new ApiError(401, "session_idle", `The session ended after ${IDLE_MS / 60_000} minutes without use: log in again.`);
  }
  if (now.getTime() - session.lastSeenAt < TOUCH_MS) return;
  session.lastSeenAt = now.getTime();
  void ctx.sessions.touch(tokenHash, session.startedAt, now).catch((error) => ctx.log.warn({ err: error }, "could not record a session's use"));
}
