/** The committed notebooks: Deno kernel, no stale outputs, and every module they import exists (CI executes them with nbconvert). */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const DIR = dirname(new URL(import.meta.url).pathname);
const NOTEBOOKS = readdirSync(DIR).filter((f) => f.endsWith(".ipynb")).sort();

type Cell = { cell_type: string; source: string[]; outputs?: unknown[]; execution_count?: number | null };

describe("notebooks", () => {
  it("cover the lake and each of the six insights", () => {
    expect(NOTEBOOKS).toEqual([
      "00-explore-the-lake.ipynb", "01-activity-by-location.ipynb", "02-seasonal-trends.ipynb",
      "03-user-segmentation.ipynb", "04-age-engagement.ipynb", "05-peak-workout-hours.ipynb", "06-sales-and-seasons.ipynb",
    ]);
  });

  for (const file of NOTEBOOKS) {
    it(`${file}: Deno kernel, explained steps, no outputs, imports that resolve`, () => {
      const notebook = JSON.parse(readFileSync(join(DIR, file), "utf8")) as { cells: Cell[]; metadata: { kernelspec: { name: string } } };
      expect(notebook.metadata.kernelspec.name).toBe("deno");
      const code = notebook.cells.filter((c) => c.cell_type === "code");
      const markdown = notebook.cells.filter((c) => c.cell_type === "markdown");
      expect(markdown.length).toBeGreaterThanOrEqual(code.length / 2);
      for (const cell of code) {
        expect(cell.outputs).toEqual([]);
        expect(cell.execution_count ?? null).toBeNull();
      }
      const imports = code.flatMap((c) => [...c.source.join("").matchAll(/from "(\.\.?\/[^"]+)"/g)].map((m) => m[1]));
      expect(imports.length).toBeGreaterThan(0);
      for (const path of imports) expect(existsSync(resolve(DIR, path)), path).toBe(true);
    });
  }
});
