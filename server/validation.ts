/**
 * @module zod on every input: body, query and path parameters, each failure a 400 in the one error
 * shape. Route files build on `routeGroup()`: routes defined with `createRoute` and registered with
 * `app.openapi` are validated through this hook and described in `/openapi.json`.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Env, ValidationTargets } from "hono";
import type { ZodError } from "zod";
import { ApiError } from "./errors.ts";

const TARGET_NAMES: Record<string, string> = { json: "request body", query: "query string", param: "path" };

/** The validation hook: zod issues become `400 invalid_request` with the path and message of each. */
export function invalidRequest(result: { target: keyof ValidationTargets } & ({ success: true } | { success: false; error: ZodError })): void {
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: i.path.join(".") || "(root)", message: i.message }));
    throw new ApiError(400, "invalid_request", `The ${TARGET_NAMES[result.target] ?? result.target} is not valid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}.`, issues);
  }
}

/** A group of routes whose inputs are validated by `invalidRequest`. */
export const routeGroup = <E extends Env = Env>() => new OpenAPIHono<E>({ defaultHook: invalidRequest });
