/** @module `/health`, the web app at `/app`, the report site under `/reports/`, and the API's description at `/openapi.json` and `/docs`. */
import { createHash, timingSafeEqual } from "node:crypto";
import { createReadStream, existsSync, statSync } from "node:fs";
import { join, normalize, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { createRoute, z } from "@hono/zod-openapi";
import { Hono } from "hono";
import { getMimeType } from "hono/utils/mime";
import { describe } from "../../lib/errors.ts";
import type { AppContext } from "../context.ts";
import { ApiError } from "../errors.ts";
import { docsPage, json, type ApiDocument } from "../openapi.ts";
import { routeGroup } from "../validation.ts";
import { contentSecurityPolicy } from "../../lib/content-security.ts";
import { REPORT_SITE_POLICY } from "../../reports/pages.ts";
import { APP_POLICY, appPage } from "../web/app-page.ts";

async function check(name: string, probe: () => Promise<string>) {
  try {
    const detail = await Promise.race([probe(), new Promise<string>((_, reject) => setTimeout(() => reject(new Error("no answer within 3 s")), 3000).unref())]);
    return [name, { ok: true, detail }] as const;
  } catch (error) {
    return [name, { ok: false, detail: describe(error) }] as const;
  }
}

const Health = z.object({
  status: z.enum(["ok", "degraded"]),
  stores: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string() })).optional().describe("Each store's status: only for the operator's token (OPS_TOKEN)"),
});

const health = createRoute({
  method: "get",
  path: "/health",
  summary: "Whether every store answers; each store's status for the operator's token (OPS_TOKEN).",
  responses: { 200: json(Health, "All stores answer"), 503: json(Health, "A store does not answer") },
});

export function metaRoutes(ctx: AppContext) {
  const app = routeGroup();
  const page = appPage();
  const opsToken = ctx.config.opsToken ? createHash("sha256").update(ctx.config.opsToken).digest() : undefined;
  const isOperator = (authorization: string | undefined) => {
    const given = /^Bearer (.+)$/.exec(authorization ?? "")?.[1];
    return Boolean(opsToken && given && timingSafeEqual(createHash("sha256").update(given).digest(), opsToken));
  };

  app.get("/", (c) => c.redirect("/app"));
  app.get("/app", (c) => {
    c.header("Content-Security-Policy", APP_POLICY);
    return c.html(page);
  });

  app.openapi(health, async (c) => {
    const stores = Object.fromEntries(
      await Promise.all([
        check("mysql", async () => {
          await ctx.mysql.query("SELECT 1");
          return "answers";
        }),
        check("documents", () => ctx.documents.ping()),
        check("sessions", () => ctx.sessions.ping()),
      ]),
    );
    const ok = Object.values(stores).every((s) => (s as { ok: boolean }).ok);
    // Anyone may ask whether it is up; what each store holds is for operators (OPS_TOKEN).
    const answer = { status: ok ? ("ok" as const) : ("degraded" as const), ...(isOperator(c.req.header("authorization")) ? { stores } : {}) };
    return ok ? c.json(answer, 200) : c.json(answer, 503);
  });

  // The report site, as `nike report` wrote it: files only, never outside its folder.
  app.get("/reports", (c) => c.redirect("/reports/"));
  app.get("/reports/*", (c) => {
    let relative: string;
    try {
      relative = decodeURIComponent(c.req.path.slice("/reports/".length)) || "index.html";
    } catch {
      throw new ApiError(400, "bad_path", "The path is not valid percent-encoded UTF-8.");
    }
    const root = resolve(ctx.reportsDir);
    const file = normalize(join(root, relative));
    if (!file.startsWith(root + sep) || relative.includes("\0")) throw new ApiError(404, "not_found", "No such report file.");
    if (!existsSync(join(root, "index.html"))) throw new ApiError(404, "reports_not_built", "The report site has not been built yet: run `nike report` (or `npm run demo`).");
    if (!existsSync(file) || !statSync(file).isFile()) throw new ApiError(404, "not_found", `No report file ${relative}.`);
    c.header("Content-Type", getMimeType(file) ?? "application/octet-stream");
    if (file.endsWith(".html")) c.header("Content-Security-Policy", REPORT_SITE_POLICY);
    c.header("Cache-Control", "no-cache");
    return c.body(Readable.toWeb(createReadStream(file)) as ReadableStream);
  });
  return app;
}

/** The description of the routes (`describeApi`), as JSON and as a page. */
export function descriptionRoutes(document: ApiDocument) {
  const app = new Hono();
  app.get("/docs", (c) => {
    c.header("Content-Security-Policy", contentSecurityPolicy([]));
    return c.html(docsPage(document));
  });
  app.get("/openapi.json", (c) => c.json(document));
  return app;
}
