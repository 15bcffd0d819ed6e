/**
 * @module Content-Security-Policy for every HTML page (the web app, the API docs, the report pages):
 * a strict policy in the web.dev sense — scripts only from the page's own origin or, inline, by the
 * hash of their exact text; no plugins, no `<base>` rewriting. Styles may be inline (the pages carry
 * their CSS in the page so that they work offline).
 */
import { createHash } from "node:crypto";

export const scriptHash = (source: string) => `'sha256-${createHash("sha256").update(source, "utf8").digest("base64")}'`;

/**
 * The policy for a page whose inline scripts are `inlineScripts` (exactly as they stand between the
 * tags). `inMeta`: for a `<meta http-equiv>` copy, which browsers read without `frame-ancestors`.
 */
export function contentSecurityPolicy(inlineScripts: string[], options: { inMeta?: boolean } = {}): string {
  return [
    "default-src 'self'",
    ["script-src 'self'", ...inlineScripts.map(scriptHash)].join(" "),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    ...(options.inMeta ? [] : ["frame-ancestors 'none'"]),
  ].join("; ");
}
