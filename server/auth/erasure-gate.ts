/**
 * @module Erasure wins every race. Every request acting for a user (and every login, once it knows
 * whose account it is) passes this gate. Once `DELETE /v1/me` begins, the user's new requests and
 * logins are refused, and the erasure sweeps the stores only after the requests already running for
 * that user have finished, so nothing they write survives it.
 */

export class ErasureGate {
  private readonly erasing = new Set<number>();
  private readonly active = new Map<number, number>();
  private readonly drained = new Map<number, () => void>();

  /** Registers a request acting for `userId`; false when the user is being erased. */
  enter(userId: number): boolean {
    if (this.erasing.has(userId)) return false;
    this.active.set(userId, (this.active.get(userId) ?? 0) + 1);
    return true;
  }

  leave(userId: number): void {
    const left = (this.active.get(userId) ?? 1) - 1;
    if (left > 0) this.active.set(userId, left);
    else this.active.delete(userId);
    this.drained.get(userId)?.();
  }

  isErasing(userId: number): boolean {
    return this.erasing.has(userId);
  }

  /**
   * Starts erasing `userId`: refuses their new requests at once, then waits until no more than `own`
   * of theirs (the erasing request itself) are running, or `waitMs` has passed. False when an erasure
   * of the user is already under way.
   */
  async begin(userId: number, own = 1, waitMs = 30_000): Promise<boolean> {
    if (this.erasing.has(userId)) return false;
    this.erasing.add(userId);
    const deadline = Date.now() + waitMs;
    while ((this.active.get(userId) ?? 0) > own && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 250);
        this.drained.set(userId, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.drained.delete(userId);
    return true;
  }

  /** Ends the erasure (done, or failed and to be retried): the user's row is gone, or may be used again. */
  end(userId: number): void {
    this.erasing.delete(userId);
  }
}
