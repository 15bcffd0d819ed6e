import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MARTS, MODELS } from "./index.ts";
import { runExample } from "./examples.ts";
import { loadProject } from "./project.ts";

const project = await loadProject();

describe("model files", () => {
  it("every SQL file is a listed model, and every listed model has its SQL and spec", () => {
    const onDisk = ["staging", "marts"].flatMap((layer) => readdirSync(new URL(`./${layer}/`, import.meta.url)).filter((f) => f.endsWith(".sql")).map((f) => `${layer}/${f.slice(0, -4)}`));
    expect(onDisk.sort()).toEqual(MODELS.map((m) => `${m.layer}/${m.name}`).sort());
    expect(project.models.map((m) => m.name).sort()).toEqual(MODELS.map((m) => m.name).sort());
  });

  it("marts are listed (and so published) after the models they read", () => {
    const position = new Map(MARTS.map((m, i) => [m.name, i]));
    for (const mart of project.models.filter((m) => m.layer === "marts")) {
      for (const dep of mart.deps.filter((d) => position.has(d))) expect(position.get(dep), `${mart.name} reads ${dep}`).toBeLessThan(position.get(mart.name)!);
    }
  });

  it("every staging and mart model has examples", () => {
    for (const m of project.models) expect(m.spec.examples.length, m.name).toBeGreaterThan(0);
  });
});

describe.each(project.models.map((m) => [m.name, m] as const))("%s", (_name, model) => {
  it.each(model.spec.examples.map((e) => [e.description, e] as const))("example: %s", async (_description, example) => {
    const outcome = await runExample(project, model, example);
    expect({ missing: outcome.missing, unexpected: outcome.unexpected }, `${model.name}: ${example.description}`).toEqual({ missing: [], unexpected: [] });
  });

  it("documents exactly the columns it produces (types too, for staging)", async () => {
    const { produced } = await runExample(project, model, model.spec.examples[0]);
    const declared = Object.keys(model.spec.columns);
    expect(produced.map((c) => c.name).filter((c) => !declared.includes(c)), "produced but not described").toEqual([]);
    expect(declared.filter((c) => !produced.some((p) => p.name === c)), "described but not produced").toEqual([]);
    // A mart's declared types are the star schema's, checked against MySQL on every ETL run; a staging model's are what DuckDB makes.
    if (model.layer === "staging") expect(produced.map((c) => `${c.name} ${c.type}`)).toEqual(declared.map((c) => `${c} ${model.spec.columns[c].type}`));
  });
});
