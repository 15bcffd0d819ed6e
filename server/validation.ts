/** @module zod on every input: body, query and path parameters, each failure a 400 in the one error shape. */
import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { ZodType } from "zod";
import { ApiError } from "./errors.ts";

const TARGET_NAMES: Record<string, string> = { json: "request body", query: "query string", param: "path" };

/** A validator that turns zod issues into `400 invalid_request` with the path and message of each. */
export function valid<Target extends keyof ValidationTargets, Schema extends ZodType>(target: Target, schema: Schema) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      const issues = result.error.issues.map((i) => ({ path: i.path.join(".") || "(root)", message: i.message }));
      throw new ApiError(400, "invalid_request", `The ${TARGET_NAMES[target] ?? target} is not valid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}.`, issues);
    }
  });
}
