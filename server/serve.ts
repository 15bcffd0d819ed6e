/**
 * @module Starts Inspire on `@hono/node-server` with the notification dispatcher in the same process
 * (`nike notify` can run beside it: the outbox claims each message once), and stops it gracefully: no
 * new connections, in-flight requests finish, the dispatcher finishes its message, then the stores close.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import type { Config } from "../lib/config.ts";
import { createApp } from "./app.ts";
import { CONNECTION_LIMITS, capConnectionsPerAddress, timeLimits, type ConnectionLimits } from "./connection-limits.ts";
import { closeAppContext, openAppContext, type AppContext, type ContextOptions } from "./context.ts";
import { Dispatcher, type DispatcherOptions } from "./notify/dispatcher.ts";

export type ServeOptions = ContextOptions & { port: number; host?: string; dispatcher?: DispatcherOptions | false; limits?: Partial<ConnectionLimits> };
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
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: options.host ?? "127.0.0.1", serverOptions: timeLimits(limits) }, () => resolve(s as Server));
    (s as Server).once("error", reject);
  });
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
