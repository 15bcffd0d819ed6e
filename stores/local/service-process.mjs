// Entry of the detached local service process: registers tsx so the TypeScript runs as is.
import { register } from "tsx/esm/api";

register();
await import("./service-process.ts");
