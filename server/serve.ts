/**
 * @module Starts Inspire on `@hono/node-server` with the notification dispatcher in the same process
 * (`nike notify` can run beside it: the outbox claims each message once), and stops it gracefully: no
 * new connections, in-flight requests finish, the dispatcher finishes its message, then the stores close.
 * `nike serve --workers` runs this in each worker process (`server/cluster.ts`).
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import type { Config } from "../lib/config.ts";
import { createApp } from "./app.ts";
import { CONNECTION_LIMITS, capConnectionsPerAddress, timeLimits, type ConnectionLimits } from "./connection-limits.ts";
import { closeAppContext, openAppContext, type AppContext, type ContextOptions } from "./context.ts";
import { Dispatcher, type DispatcherOptions } from "./notify/dispatcher.ts";

export type ServeOptions = ContextOptions & {
  port: number;
  host?: string;
  dispatcher?: DispatcherOptions | false;
  limits?: Partial<ConnectionLimits>;
  /** Names the process that answered in an `X-Inspire-Worker` header (its pid): for tests and debugging of `--workers`. */
  workerHeader?: boolean;
};
export const WORKER_HEADER = "X-Inspire-Worker";

export type Running = { url: string; ctx: AppContext; dispatcher?: Dispatcher; close(): Promise<void> };

export async function startServer(config: Config, options: ServeOptions): Promise<Running> {
  const ctx = await openAppContext(config, options);
  const app = createApp(ctx);
  let dispatcher: Dispatcher | undefined;
  if (options.dispatcher !== false) {
    dispatcher = new Dispatcher(ctx, options.dispatcher ?? {});
    ctx.wakeDispatcher = () => dispatcher?.wake();
    dispatcher.start();
  }
  const limits = { ...CONNECTION_LIMITS, ...options.limits };
  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: options.port, hostname: options.host ?? "127.0.0.1", serverOptions: timeLimits(limits) }, () => resolve(s as Server));
      (s as Server).once("error", reject);
      if (options.workerHeader) (s as Server).prependListener("request", (_req, res) => res.setHeader(WORKER_HEADER, String(process.pid)));
    });
  } catch (error) {
    // The port is taken (or not ours): stop what was started, so that the process can exit with the error.
    await dispatcher?.stop();
    await closeAppContext(ctx);
    throw error;
  }
  capConnectionsPerAddress(server, limits.perAddress);
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? "127.0.0.1"}:${port}`;
  ctx.log.info({ url }, "Inspire listening");
  let closing: Promise<void> | undefined;
  return {
    url,
    ctx,
    dispatcher,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await dispatcher?.stop();
        await closeAppContext(ctx);
        ctx.log.info("Inspire stopped");
      })();
      return closing;
    },
  };
}
