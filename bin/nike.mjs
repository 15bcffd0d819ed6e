#!/usr/bin/env node
// Registers tsx so the TypeScript CLI runs as is, from any working directory.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
