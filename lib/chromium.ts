/**
 * @module Headless Chromium (Debian's `chromium`, or the one `CHROMIUM_PATH` names) driven by
 * playwright-core: where it is, and launching it with the flags an offline machine needs. The PDF
 * report prints with it; the browser tests open the report pages and the web app with it.
 */
import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";
import { UserError } from "./errors.ts";

/** Where Chromium is looked for when `CHROMIUM_PATH` is not set. */
export const DEFAULT_CHROMIUM = "/usr/bin/chromium";

/** The Chromium executable: `CHROMIUM_PATH`, else Debian's. */
export const chromiumPath = (env: NodeJS.ProcessEnv = process.env): string => env.CHROMIUM_PATH || DEFAULT_CHROMIUM;

/** The Chromium executable at `path`, or a UserError naming what it is needed for and how to install it. */
export function requireChromium(path: string, neededFor: string): string {
  if (!existsSync(path)) {
    throw new UserError(`Chromium is needed for ${neededFor}, but there is none at ${path}: install it with \`apt-get install chromium\` (Debian, Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome executable.`);
  }
  return path;
}

const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
];

/** Launches Chromium (playwright gives it a fresh profile, removed on close); a missing browser is a UserError. */
export async function launchChromium(neededFor: string, path: string = chromiumPath()): Promise<Browser> {
  const executablePath = requireChromium(path, neededFor);
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath, args: FLAGS });
}
