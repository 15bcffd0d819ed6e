/** @module Scale presets shared by the CLI, tests and benchmarks. */
import { UserError } from "./errors.ts";

export const SCALES = {
  tiny: { users: 1_000, activityLogs: 10_000 },
  small: { users: 10_000, activityLogs: 100_000 },
  medium: { users: 100_000, activityLogs: 1_000_000 },
  large: { users: 1_000_000, activityLogs: 10_000_000 },
} as const;

export type ScaleName = keyof typeof SCALES;
export type Scale = { name: ScaleName; users: number; activityLogs: number };

export function parseScale(name: string): Scale {
  if (!(name in SCALES)) {
    throw new UserError(`Unknown scale "${name}": use one of ${Object.keys(SCALES).join(", ")}.`);
  }
  const preset = SCALES[name as ScaleName];
  return { name: name as ScaleName, ...preset };
}
