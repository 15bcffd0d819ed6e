#!/usr/bin/env node
// Runs the TypeScript CLI from any working directory, as JavaScript compiled once and cached.
import { compiled } from "./compiled.mjs";

if (process.env.NIKE_DEBUG) process.setSourceMapsEnabled(true);
await import(await compiled("cli/main.ts"));
