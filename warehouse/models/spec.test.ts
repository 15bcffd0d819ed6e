import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSpec } from "./spec.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "model-spec-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe("a model's spec file", () => {
  it("is required: a model without one is an error, not a model without rules", async () => {
    await expect(readSpec(pathToFileURL(join(dir, "stg_nothing.checks.json")))).rejects.toThrow(/stg_nothing\.checks\.json is missing: every model declares its checks beside its SQL/);
  });

  it("needs a description, described columns and at least one example, and says which is wrong", async () => {
    const file = join(dir, "dim_thing.checks.json");
    await writeFile(file, JSON.stringify({ description: "One row per thing.", columns: { id: { type: "BIGINT" } }, unique: ["id"], examples: [] }));
    const error = await readSpec(pathToFileURL(file)).catch((e: Error) => e);
    expect(String(error)).toMatch(/dim_thing\.checks\.json: columns\.id\.description: .*; examples: .*at least one example/);
  });
});
