/**
 * @module Pools of realistic values drawn once from Faker (seeded), then indexed by hash in SQL:
 * per-row Faker calls are far too slow for millions of rows.
 */
import { Faker, en } from "@faker-js/faker";
import type { DuckDB } from "../../lib/duckdb.ts";
import { inverseCdf } from "./lookups.ts";
import { ACTIVITIES } from "../../domain/vocabulary.ts";
import { CITIES } from "./places.ts";

export const NAME_POOL = 1000;
export const STREET_POOL = 500;

const BRANDS = ["Nike", "Jordan", "Converse", "Nike Running", "Nike ACG", "Nike SB", "Nike Pro", "Nike Yoga", "Nike Sportswear", "Nike Golf"];
const TEAMS = [
  "New York Knicks", "Los Angeles Lakers", "Chicago Bulls", "Boston Celtics", "Golden State Warriors", "Portland Trail Blazers",
  "Denver Nuggets", "Miami Heat", "Dallas Mavericks", "Seattle Sounders", "LA Galaxy", "Portland Timbers", "Atlanta United",
  "Chicago Fire", "Minnesota United", "Colorado Rapids", "US Women's National Team", "US Men's National Team",
  "Minnesota Lynx", "Seattle Storm", "Las Vegas Aces", "New York Liberty", "Phoenix Mercury", "Chicago Sky",
];
const EMAIL_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "aol.com", "proton.me", "fastmail.com"];
export const DEVICE_MODELS = [
  ["phone", "iOS", "iPhone 15"], ["phone", "iOS", "iPhone 14"], ["phone", "Android", "Pixel 8"], ["phone", "Android", "Galaxy S24"],
  ["watch", "watchOS", "Apple Watch Series 9"], ["watch", "Garmin", "Forerunner 265"], ["watch", "Fitbit", "Charge 6"],
  ["watch", "Wear OS", "Galaxy Watch 6"], ["tablet", "iPadOS", "iPad Air"], ["watch", "Coros", "Pace 3"],
] as const;

/** Creates the name, brand, team, athlete, device and street pools in DuckDB. */
export async function createPools(db: DuckDB, seed: number): Promise<Faker> {
  const faker = new Faker({ locale: [en] });
  faker.seed(seed);
  // email_part: the name as it appears in an email address, worked out once per pool entry.
  const named = (name: string) => ({ name, email_part: name.toLowerCase().replace(/[^a-z]/g, "") });
  const firstNames = (sex: "female" | "male") => Array.from({ length: NAME_POOL }, (_, i) => ({ sex, i, ...named(faker.person.firstName(sex)) }));
  await db.table("first_names", [...firstNames("female"), ...firstNames("male")]);
  await db.table("last_names", Array.from({ length: NAME_POOL }, (_, i) => ({ i, ...named(faker.person.lastName()) })));
  await db.table("email_domains", EMAIL_DOMAINS.map((domain, i) => ({ i, domain })));
  const interests = (kind: string, values: string[]) => values.map((value, i) => ({ kind, i, value }));
  const cityOfBucket = inverseCdf(CITIES.map((c) => c[2]), 4096).map((c) => `${CITIES[c][0]}, ${CITIES[c][1]}`);
  await db.table("interest_names", [
    ...interests("sport", ACTIVITIES.map((a) => a.name)),
    ...interests("brand", BRANDS),
    ...interests("team", TEAMS),
    ...interests("athlete", Array.from({ length: 200 }, () => faker.person.fullName())),
    ...interests("city", cityOfBucket),
  ]);
  await db.table("device_models", DEVICE_MODELS.map(([device_type, platform, model], i) => ({ i, device_type, platform, model })));
  await db.table("streets", Array.from({ length: STREET_POOL }, (_, i) => ({ i, street: faker.location.street() })));
  return faker;
}
