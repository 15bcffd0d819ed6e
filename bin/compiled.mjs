/**
 * The CLI's TypeScript compiled once to plain JavaScript (in node_modules/.cache/nike-cli) and reused
 * until a source file changes: starting through a TypeScript loader costs more than the whole
 * start-up budget of a command. Each compiled file keeps its source's `import.meta.url`, so what is
 * found next to the sources (SQL files, workers, assets) is found as before.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SOURCE_DIRS = ["cli", "domain", "lib", "stores", "pipelines", "warehouse", "reports", "server"];
/** Builds older than this are removed: a long-running command may still import from a recent one. */
const KEEP_MS = 24 * 3600_000;

function sourceFiles(root) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && path !== join(root, "reports", "site")) walk(path);
      } else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) files.push(path);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(root, dir))) walk(join(root, dir));
  return files;
}

/** Relative `.ts`/`.tsx` specifiers become `.js`, as the compiled files are. */
const toJs = (code) => code.replace(/(["'])(\.{1,2}\/[^"'\n]*?)\.tsx?\1/g, "$1$2.js$1");

async function build(root, files, out) {
  const { transform } = await import("esbuild");
  const { compilerOptions } = JSON.parse(readFileSync(join(root, "tsconfig.json"), "utf8"));
  for (const file of files) {
    const { code } = await transform(readFileSync(file, "utf8"), {
      loader: file.endsWith(".tsx") ? "tsx" : "ts",
      format: "esm",
      target: "node20",
      sourcefile: file,
      sourcemap: "inline",
      tsconfigRaw: { compilerOptions },
      define: {
        "import.meta.url": JSON.stringify(pathToFileURL(file).href),
        "import.meta.dirname": JSON.stringify(dirname(file)),
        "import.meta.filename": JSON.stringify(file),
      },
    });
    const target = join(out, relative(root, file)).replace(/\.tsx?$/, ".js");
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, toJs(code));
  }
}

/** The URL of the compiled `entry` (a path from the checkout's root), compiling first if a source changed. */
export async function compiled(entry, root = ROOT) {
  const cache = join(root, "node_modules", ".cache", "nike-cli");
  const files = sourceFiles(root);
  const hash = createHash("sha1");
  for (const file of files) {
    const { mtimeMs, size } = statSync(file);
    hash.update(`${file}\0${mtimeMs}\0${size}\n`);
  }
  const dir = join(cache, hash.digest("hex").slice(0, 16));
  if (!existsSync(dir)) {
    const pending = `${dir}.${process.pid}.tmp`;
    await build(root, files, pending);
    try {
      renameSync(pending, dir);
    } catch {
      // Another process built the same sources first: use its build.
      rmSync(pending, { recursive: true, force: true });
    }
    for (const old of readdirSync(cache)) {
      const path = join(cache, old);
      if (path !== dir && Date.now() - statSync(path).mtimeMs > KEEP_MS) rmSync(path, { recursive: true, force: true });
    }
  }
  return pathToFileURL(join(dir, entry.replace(/\.tsx?$/, ".js"))).href;
}
