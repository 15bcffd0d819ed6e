import { describe, expect, it } from "vitest";
import { scriptHash } from "../../lib/content-security.ts";
import { APP_POLICY, appPage } from "./app-page.ts";

describe("the web app's page", () => {
  it("carries one inline script, app-script.ts compiled to JavaScript, which its policy admits by hash", () => {
    const scripts = [...appPage().matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(1);
    const [script] = scripts;
    expect(APP_POLICY).toContain(`script-src 'self' ${scriptHash(script)};`);
    expect(() => new Function(script)).not.toThrow(); // parses as JavaScript: the types are gone
    expect(script).toContain('$("signup-form").addEventListener("submit"');
    expect(script).not.toMatch(/^import /m);
  });
});
