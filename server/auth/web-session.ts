/**
 * @module The web app's session: the token in an HttpOnly, SameSite=Strict cookie (Secure when the
 * server is reached over HTTPS) instead of in the page's storage, where any injected script could
 * read it. Writes made with the cookie must carry the CSRF token (double submit): a second, readable
 * cookie whose value is an HMAC of the session, which the page copies into `X-CSRF-Token`.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Config } from "../../lib/config.ts";

export const SESSION_COOKIE = "inspire_session";
export const CSRF_COOKIE = "inspire_csrf";
export const CSRF_HEADER = "x-csrf-token";

const csrfFor = (config: Config, tokenHash: string) => createHmac("sha256", config.pseudonymKey).update(`csrf:${tokenHash}`).digest("base64url");
const secure = (config: Config, c: Context) => new URL(config.publicUrl ?? c.req.url).protocol === "https:";

export function setWebSession(c: Context, config: Config, token: string, tokenHash: string, expiresAt: number): void {
  const options = { path: "/", sameSite: "Strict", secure: secure(config, c), expires: new Date(expiresAt * 1000) } as const;
  setCookie(c, SESSION_COOKIE, token, { ...options, httpOnly: true });
  setCookie(c, CSRF_COOKIE, csrfFor(config, tokenHash), options);
}

export function clearWebSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
  deleteCookie(c, CSRF_COOKIE, { path: "/" });
}

export const webSessionToken = (c: Context): string | undefined => getCookie(c, SESSION_COOKIE);

/** Whether a request authenticated by the cookie may change something: safe methods, or the right CSRF token. */
export function csrfPasses(c: Context, config: Config, tokenHash: string): boolean {
  if (["GET", "HEAD", "OPTIONS"].includes(c.req.method)) return true;
  const given = Buffer.from(c.req.header(CSRF_HEADER) ?? "");
  const expected = Buffer.from(csrfFor(config, tokenHash));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
