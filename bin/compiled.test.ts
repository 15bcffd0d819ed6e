import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compiled } from "./compiled.mjs";

/** A checkout of two modules: the entry reads a file beside its source, and imports a module that says where it is. */
async function checkout(greeting: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "nike-compiled-"));
  await mkdir(join(root, "cli"));
  await mkdir(join(root, "lib"));
  await writeFile(join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "ES2022" } }));
  await writeFile(join(root, "lib", "greeting.ts"), `export const greeting: string = "${greeting}";\nexport const where: string = import.meta.dirname;\n`);
  await writeFile(join(root, "cli", "note.txt"), "next to the source");
  await writeFile(
    join(root, "cli", "main.ts"),
    `import { readFileSync } from "node:fs";\nimport { greeting, where } from "../lib/greeting.ts";\n` +
      `type Answer = { greeting: string; where: string; note: string };\n` +
      `export const answer = (): Answer => ({ greeting, where, note: readFileSync(new URL("./note.txt", import.meta.url), "utf8") });\n`,
  );
  return root;
}

const builds = async (root: string) => readdir(join(root, "node_modules", ".cache", "nike-cli"));
const roots: string[] = [];
afterAll(async () => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

describe("the CLI's compiled build", () => {
  let root: string;
  beforeAll(async () => void roots.push((root = await checkout("hello"))));

  it("runs the TypeScript as JavaScript that still finds what lies beside its sources", async () => {
    const url = await compiled("cli/main.ts", root);
    expect(url).toMatch(/node_modules\/\.cache\/nike-cli\/[0-9a-f]{16}\/cli\/main\.js$/);
    const { answer } = await import(url);
    expect(answer()).toEqual({ greeting: "hello", where: join(root, "lib"), note: "next to the source" });
  });

  it("reuses the build while no source changes, and rebuilds when one does", async () => {
    const first = await compiled("cli/main.ts", root);
    expect(await compiled("cli/main.ts", root)).toBe(first);
    const file = join(root, "lib", "greeting.ts");
    await writeFile(file, `export const greeting: string = "changed";\nexport const where: string = import.meta.dirname;\n`);
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    const second = await compiled("cli/main.ts", root);
    expect(second).not.toBe(first);
    expect((await import(second)).answer().greeting).toBe("changed");
  });

  it("keeps one build, and no half-written one, when several processes compile the same new sources at once", async () => {
    const fresh = await checkout("together");
    roots.push(fresh);
    const script = `const { compiled } = await import(${JSON.stringify(pathToFileURL(join(import.meta.dirname, "compiled.mjs")).href)});` +
      `const { answer } = await import(await compiled("cli/main.ts", ${JSON.stringify(fresh)})); process.stdout.write(answer().greeting);`;
    const outputs = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        const [code] = await once(child, "exit");
        return { code, out };
      }),
    );
    expect(outputs).toEqual(Array(4).fill({ code: 0, out: "together" }));
    expect(await builds(fresh)).toHaveLength(1);
  });
});
