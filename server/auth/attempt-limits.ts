/**
 * @module Throttles for logins and sign-ups, kept in MySQL so that every server instance shares one
 * count (rate-limiter-flexible's atomic counters). An attempt is counted *before* its password is
 * checked, so a burst of parallel guesses is counted like a slow one.
 *
 * Logins follow the OWASP authentication cheat sheet and NIST SP 800-63B: failures are counted per
 * account *and source* (5 per window, then a lockout that doubles each time it recurs within a day)
 * and per source (30 per window). A source that has not failed against an account is never held back
 * by someone else's failures, so nobody can lock an owner out from elsewhere.
 */
import { createHmac } from "node:crypto";
import { RateLimiterMySQL, RateLimiterRes } from "rate-limiter-flexible";
import type { MySql } from "../../stores/mysql.ts";

export type Throttles = {
  /** Seconds over which login and sign-up attempts are counted. */
  windowS: number;
  /** Seconds over which repeated lockouts of one account and source make the next one longer. */
  lockoutMemoryS: number;
  loginsPerAccountAndSource: number;
  loginsPerSource: number;
  signUpsPerSource: number;
};

export const DEFAULT_THROTTLES: Throttles = { windowS: 15 * 60, lockoutMemoryS: 24 * 3600, loginsPerAccountAndSource: 5, loginsPerSource: 30, signUpsPerSource: 10 };
const MAX_LOCKOUT_S = 24 * 3600;

/** A login attempt let through to the password check; say how it ended. */
export type Reservation = { succeeded(): Promise<void> };
export class Throttled extends Error {
  constructor(readonly retryAfterS: number) {
    super(`try again in ${retryAfterS} seconds`);
  }
}

export class AttemptLimits {
  private readonly pair: RateLimiterMySQL;
  private readonly source: RateLimiterMySQL;
  private readonly lockouts: RateLimiterMySQL;
  private readonly signUps: RateLimiterMySQL;
  private readonly settings: Throttles;

  constructor(
    mysql: MySql,
    database: string,
    /** Keys are HMACs under this secret: the table never holds an e-mail or an address. */
    private readonly secret: string,
    settings: Partial<Throttles> = {},
  ) {
    const t = (this.settings = { ...DEFAULT_THROTTLES, ...settings });
    const limiter = (keyPrefix: string, points: number, duration: number) =>
      new RateLimiterMySQL({ storeClient: mysql.pool, storeType: "pool", dbName: database, tableName: "attempt_limits", tableCreated: true, keyPrefix, points, duration });
    this.pair = limiter("login-pair", t.loginsPerAccountAndSource, t.windowS);
    this.source = limiter("login-source", t.loginsPerSource, t.windowS);
    this.lockouts = limiter("login-lockout", 1_000_000, t.lockoutMemoryS);
    this.signUps = limiter("signup-source", t.signUpsPerSource, t.windowS);
  }

  private key(...parts: string[]): string {
    return createHmac("sha256", this.secret).update(parts.join("\n")).digest("base64url");
  }

  /** Counts a login attempt for `account` from `address`, or throws Throttled when it may not be checked. */
  async reserveLogin(account: string, address: string): Promise<Reservation> {
    const pairKey = this.key("login", account, address);
    const sourceKey = this.key("source", address);
    const pair = await consume(this.pair, pairKey);
    if (pair.rejected) {
      // Exactly one request sees the count pass the limit: it sets the lockout, longer each time.
      if (pair.res.consumedPoints === this.settings.loginsPerAccountAndSource + 1) {
        const earlier = (await this.lockouts.consume(pairKey)).consumedPoints - 1;
        const seconds = Math.min(this.settings.windowS * 2 ** earlier, MAX_LOCKOUT_S);
        await this.pair.block(pairKey, seconds);
        throw new Throttled(seconds);
      }
      throw new Throttled(Math.max(1, Math.ceil(pair.res.msBeforeNext / 1000)));
    }
    const source = await consume(this.source, sourceKey);
    if (source.rejected) {
      await this.pair.reward(pairKey, 1);
      throw new Throttled(Math.max(1, Math.ceil(source.res.msBeforeNext / 1000)));
    }
    return {
      // The right password clears the account-and-source failures and gives the source its attempt back.
      succeeded: async () => {
        await this.pair.delete(pairKey);
        await this.source.reward(sourceKey, 1);
      },
    };
  }

  /** Counts a sign-up from `address`, or throws Throttled. */
  async reserveSignUp(address: string): Promise<void> {
    const signUp = await consume(this.signUps, this.key("signup", address));
    if (signUp.rejected) throw new Throttled(Math.max(1, Math.ceil(signUp.res.msBeforeNext / 1000)));
  }
}

/** A refusal comes back as a RateLimiterRes; anything else is the store failing, and is thrown. */
async function consume(limiter: RateLimiterMySQL, key: string): Promise<{ rejected: false } | { rejected: true; res: RateLimiterRes }> {
  try {
    await limiter.consume(key);
    return { rejected: false };
  } catch (outcome) {
    if (outcome instanceof RateLimiterRes) return { rejected: true, res: outcome };
    throw outcome;
  }
}
