/** @module Stopping long-running commands on Ctrl-C (SIGINT) or SIGTERM. */

/** A signal that aborts on the first SIGINT or SIGTERM; `dispose` stops listening for them. */
export function stopSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const dispose = () => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  };
  const stop = () => {
    dispose();
    controller.abort();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return { signal: controller.signal, dispose };
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilStopped(): Promise<void> {
  const { signal } = stopSignal();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
