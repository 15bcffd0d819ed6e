/** @module Scale presets shared by the CLI, tests and benchmarks. */
import { UserError } from "./errors.ts";

/** Customers per preset; how many workouts they log follows from the generator's model (about 27 each). */
export const SCALES = {
  tiny: { users: 1_000 },
  small: { users: 10_000 },
  medium: { users: 100_000 },
  large: { users: 1_000_000 },
} as const;

export type ScaleName = keyof typeof SCALES;
export type Scale = { name: ScaleName; users: number };

export function parseScale(name: string): Scale {
  if (!(name in SCALES)) {
    throw new UserError(`Unknown scale "${name}": use one of ${Object.keys(SCALES).join(", ")}.`);
  }
  const preset = SCALES[name as ScaleName];
  return { name: name as ScaleName, ...preset };
}
