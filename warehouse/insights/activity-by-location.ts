/**
 * @module Insight 1: engagement (active users, workouts and minutes per user) by state and city,
 * the states ranked and classified against the average. Users count where they live (their dimension
 * version at workout time), not where a workout happened, so travellers do not inflate a state's user count.
 */
import { overview, round, type Computed } from "./insight.ts";
import type { WarehouseSource } from "./source.ts";

type StateRow = { state: string; state_name: string; census_region: string; workouts: number; active_users: number; minutes: number };
type CityRow = { city: string; state: string; workouts: number; active_users: number; minutes: number };

/**
 * A region is ranked once its workouts per user are known to within this relative standard error,
 * that is once it has (CV / 0.2)² active users, CV being how much workouts per user vary: a handful of
 * keen users cannot top the list, and a region is not left out for being small when users are alike.
 */
export const MAX_RELATIVE_ERROR = 0.2;
const MIN_USERS_FLOOR = 5;
/** A ranked state at least this far above the average is high-engagement; this far below, low. */
export const HIGH_FACTOR = 1.1;
export const LOW_FACTOR = 0.9;
/** How many of the most engaged cities the narrative names. */
const TOP_CITIES = 5;

type Figures = { activeUsers: number; workouts: number; minutes: number; workoutsPerUserMonth: number; minutesPerUserMonth: number };

/** Ranked states are high, typical or low against the cut-offs; states with too few active users are unranked. */
export type Engagement = "high" | "typical" | "low" | "unranked";

export type StateEngagement = Figures & {
  state: string;
  name: string;
  censusRegion: string;
  /** Workouts per user per month against the average, as a fraction (0.25 = 25% above). */
  vsAverage: number;
  /** 1 = most engaged; null when unranked. */
  rank: number | null;
  engagement: Engagement;
};

export type CityEngagement = Figures & { city: string; state: string };

export type LocationFindings = {
  /** Workouts per active user per month, all users. */
  averageWorkoutsPerUserMonth: number;
  cutoffs: { minActiveUsers: number; highAtLeast: number; lowAtMost: number; minCityActiveUsers: number };
  /** Every state: the ranked ones in rank order, then the unranked ones, most engaged first. */
  states: StateEngagement[];
  /** The high-engagement states (postal codes), most engaged first: the ones the narrative names. */
  highEngagementStates: string[];
  /** The low-engagement states, least engaged first. */
  lowEngagementStates: string[];
  /** The most engaged cities with at least `minCityActiveUsers` active users. */
  topCities: CityEngagement[];
};

/** The findings, and every city with enough active users, most engaged first (the city chart ranks the top of them). */
export type ComputedLocation = Computed<LocationFindings> & { cities: CityEngagement[] };

export async function activityByLocation(source: WarehouseSource): Promise<ComputedLocation> {
  const all = await overview(source);
  const states = await source.query<StateRow>(`
    SELECT l.state AS state, l.state_name AS state_name, l.region AS census_region, COUNT(*) AS workouts,
           COUNT(DISTINCT u.user_pseudonym) AS active_users, SUM(f.duration_min) AS minutes
    FROM fact_activity f
    JOIN dim_user u ON u.user_key = f.user_key
    JOIN dim_location l ON l.location_key = u.location_key
    GROUP BY l.state, l.state_name, l.region
    ORDER BY l.state`);
  const cities = await source.query<CityRow>(`
    SELECT l.city AS city, l.state AS state, COUNT(*) AS workouts,
           COUNT(DISTINCT u.user_pseudonym) AS active_users, SUM(f.duration_min) AS minutes
    FROM fact_activity f
    JOIN dim_user u ON u.user_key = f.user_key
    JOIN dim_location l ON l.location_key = u.location_key
    GROUP BY l.city, l.state
    ORDER BY l.state, l.city`);
  const [spread] = await source.query<{ mean: number; sd: number }>(`
    SELECT AVG(n) AS mean, STDDEV_POP(n) AS sd
    FROM (SELECT COUNT(*) AS n FROM fact_activity f JOIN dim_user u ON u.user_key = f.user_key GROUP BY u.user_pseudonym) per_user`);
  const minActiveUsers = Math.max(MIN_USERS_FLOOR, Math.ceil((Number(spread.sd) / Number(spread.mean) / MAX_RELATIVE_ERROR) ** 2));
  const cityRanking = rankCities(cities, all.months, minActiveUsers);
  const findings = locationFindings(all.workouts / all.activeUsers / all.months, all.months, states, cityRanking, minActiveUsers);
  return { findings, cities: cityRanking.ranked, rowsRead: states.length + cities.length };
}

const figures = (r: { workouts: number; active_users: number; minutes: number }, months: number): Figures => ({
  activeUsers: r.active_users,
  workouts: r.workouts,
  minutes: Math.round(Number(r.minutes)),
  workoutsPerUserMonth: round(r.workouts / r.active_users / months, 3),
  minutesPerUserMonth: round(Number(r.minutes) / r.active_users / months, 1),
});

const byEngagement = (a: Figures, b: Figures) => b.workoutsPerUserMonth - a.workoutsPerUserMonth;

/** The bar a region must reach to be ranked: with fewer active users than that everywhere (small samples), the largest sets it. */
const minUsers = (regions: Array<{ active_users: number }>, needed: number) => Math.min(needed, Math.max(...regions.map((r) => r.active_users)));

type CityRanking = { minActiveUsers: number; ranked: CityEngagement[] };

/** The cities with enough active users, most engaged first, and that bar. */
function rankCities(cities: CityRow[], months: number, needed: number): CityRanking {
  const minActiveUsers = minUsers(cities, needed);
  return { minActiveUsers, ranked: cities.map((c) => ({ city: c.city, state: c.state, ...figures(c, months) })).filter((c) => c.activeUsers >= minActiveUsers).sort(byEngagement) };
}

/** Ranks and classifies the states on their published (rounded) figures, so that every reader of the findings can check them against the cut-offs. */
function locationFindings(overall: number, months: number, states: StateRow[], cities: CityRanking, needed: number): LocationFindings {
  const average = round(overall, 3);
  const cutoffs = {
    minActiveUsers: minUsers(states, needed),
    highAtLeast: round(average * HIGH_FACTOR, 3),
    lowAtMost: round(average * LOW_FACTOR, 3),
    minCityActiveUsers: cities.minActiveUsers,
  };
  const measured = states.map((s) => ({ state: s.state, name: s.state_name, censusRegion: s.census_region, ...figures(s, months) })).sort(byEngagement);
  const ranked = measured.filter((s) => s.activeUsers >= cutoffs.minActiveUsers);
  const engagement = (s: Figures): Engagement =>
    s.activeUsers < cutoffs.minActiveUsers ? "unranked" : s.workoutsPerUserMonth >= cutoffs.highAtLeast ? "high" : s.workoutsPerUserMonth <= cutoffs.lowAtMost ? "low" : "typical";
  const classified: StateEngagement[] = [...ranked, ...measured.filter((s) => !ranked.includes(s))].map((s) => ({
    ...s,
    vsAverage: round(s.workoutsPerUserMonth / average - 1, 3),
    rank: ranked.includes(s) ? ranked.indexOf(s) + 1 : null,
    engagement: engagement(s),
  }));
  return {
    averageWorkoutsPerUserMonth: average,
    cutoffs,
    states: classified,
    highEngagementStates: classified.filter((s) => s.engagement === "high").map((s) => s.state),
    lowEngagementStates: classified.filter((s) => s.engagement === "low").reverse().map((s) => s.state),
    topCities: cities.ranked.slice(0, TOP_CITIES),
  };
}
