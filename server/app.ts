/** @module The Hono app: middleware (request ids, logs, body limit, one error shape), every route, and their description. */
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { requestId, type RequestIdVariables } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isStoreUnavailable } from "../lib/errors.ts";
import type { AppContext } from "./context.ts";
import { ApiError, errorBody, sendError } from "./errors.ts";
import { accountRoutes } from "./routes/accounts.ts";
import { activityRoutes } from "./routes/activities.ts";
import { goalRoutes } from "./routes/goals.ts";
import { inspirationRoutes } from "./routes/inspiration.ts";
import { descriptionRoutes, metaRoutes } from "./routes/meta.ts";
import { privacyRoutes } from "./routes/privacy.ts";
import { describeApi } from "./openapi.ts";
import { routeGroup } from "./validation.ts";

export const MAX_BODY_BYTES = 64 * 1024;

const CODES: Record<number, string> = { 400: "invalid_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type" };

const notJson = () => new ApiError(415, "unsupported_media_type", "Send the request body as JSON with Content-Type: application/json.");

/**
 * A request refused before its body was read (413, 415, 401, 404 …) leaves that body on the socket,
 * which the server drains for a while and then destroys: a client that kept the connection alive
 * could send its next request into a socket being closed ("other side closed"). Saying
 * `Connection: close` makes Node close it once the answer is sent, and tells the client not to reuse it.
 */
const closeAfterUnreadBody = createMiddleware(async (c, next) => {
  await next();
  const hasBody = c.req.header("transfer-encoding") !== undefined || Number(c.req.header("content-length") ?? 0) > 0;
  if (hasBody && (c.res.status === 413 || !c.req.raw.bodyUsed)) c.header("Connection", "close");
});

export function createApp(ctx: AppContext) {
  const app = routeGroup<{ Variables: RequestIdVariables }>();
  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    ctx.log.info({ request_id: c.get("requestId"), method: c.req.method, path: c.req.path, status: c.res.status, ms: Number((performance.now() - started).toFixed(1)) }, "request");
  });
  app.use(secureHeaders({ contentSecurityPolicy: undefined, crossOriginEmbedderPolicy: false }));
  app.use(closeAfterUnreadBody);
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json(errorBody("payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES / 1024} KiB.`), 413) });
  // Only requests that carry a body pay for the checks (touching the body builds the full Request object).
  const jsonBodies = createMiddleware(async (c, next) => {
    if (!["POST", "PUT", "PATCH"].includes(c.req.method)) return next();
    const type = c.req.header("content-type");
    if (c.req.header("content-length") !== "0" && type !== undefined && !/^application\/json\b/i.test(type)) throw notJson();
    return limit(c, next);
  });
  app.use("/v1/*", jsonBodies);
  app.use("/app/*", jsonBodies);

  app.route("/", accountRoutes(ctx));
  app.route("/", goalRoutes(ctx));
  app.route("/", activityRoutes(ctx));
  app.route("/", inspirationRoutes(ctx));
  app.route("/", privacyRoutes(ctx));
  app.route("/", metaRoutes(ctx));
  // Described once, from the routes as registered; the server URL comes from configuration, never
  // from the request's Host header (which a client chooses).
  app.route("/", descriptionRoutes(describeApi(app, ctx.config.publicUrl ?? "/")));

  app.notFound((c) => c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}: the routes are listed at /docs.`), 404));
  app.onError((error, c) => {
    if (error instanceof ApiError) return sendError(c, error);
    // A body a route's description does not accept (the media-type check of @hono/zod-openapi).
    if (error instanceof HTTPException && error.status === 415) return sendError(c, notJson());
    if (error instanceof HTTPException) {
      const status = error.status as ContentfulStatusCode;
      return c.json(errorBody(CODES[status] ?? "http_error", error.message || "The request could not be handled."), status);
    }
    if (isStoreUnavailable(error)) {
      ctx.log.warn({ request_id: c.get("requestId"), err: error }, "a store is unavailable");
      c.header("Retry-After", "5");
      return c.json(errorBody("store_unavailable", "A data store is not reachable right now (restarting?), so the request may not have been applied. Retry in a few seconds."), 503);
    }
    ctx.log.error({ request_id: c.get("requestId"), err: error }, "unhandled error");
    return c.json(errorBody("internal_error", `Something went wrong on our side; quote request id ${c.get("requestId")} when reporting it.`), 500);
  });
  return app;
}
