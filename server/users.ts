/** @module Inspire's reads of MySQL `users`: the profile the routes and the dispatcher need, and where a user is. */
import type { DocumentStore } from "../stores/documents.ts";
import type { MySql } from "../stores/mysql.ts";
import { goalsView, inHomeZone } from "./goals.ts";

export type Profile = {
  user_id: number;
  first_name: string;
  last_name: string;
  email: string;
  phone: string | null;
  email_consent: boolean;
  sms_consent: boolean;
  city: string | null;
  state: string | null;
};

const PROFILE = `SELECT u.user_id, u.first_name, u.last_name, u.email, u.phone, u.email_consent, u.sms_consent, c.name AS city, c.state_code AS state
  FROM users u LEFT JOIN cities c ON c.city_id = u.city_id`;
type ProfileRow = Omit<Profile, "email_consent" | "sms_consent"> & { email_consent: number; sms_consent: number };
const asProfile = (row: ProfileRow): Profile => ({ ...row, email_consent: Boolean(row.email_consent), sms_consent: Boolean(row.sms_consent) });

export async function profile(mysql: MySql, userId: number): Promise<Profile | null> {
  const [rows] = await mysql.query(`${PROFILE} WHERE u.user_id = ?`, [userId]);
  const row = (rows as ProfileRow[])[0];
  return row ? asProfile(row) : null;
}

/** The next `limit` users after `afterId`, up to `upToId` (in id order), who consented to e-mail or SMS. */
export async function consentingProfiles(mysql: MySql, afterId: number, upToId: number, limit: number): Promise<Profile[]> {
  const [rows] = await mysql.query(`${PROFILE} WHERE (u.email_consent OR u.sms_consent) AND u.user_id > ? AND u.user_id <= ? ORDER BY u.user_id LIMIT ?`, [afterId, upToId, limit]);
  return (rows as ProfileRow[]).map(asProfile);
}

/** Where a user is: their home city, and their time zone (the one in their goals, else their state's). */
export type UserPlace = { city: string | null; state: string | null; time_zone: string };

export async function userPlace(mysql: MySql, documents: DocumentStore, userId: number): Promise<UserPlace | null> {
  const [home, goals] = await Promise.all([profile(mysql, userId), documents.collection("user_goals").findOne({ _id: userId })]);
  if (!home) return null;
  return { city: home.city, state: home.state, time_zone: inHomeZone(goalsView(goals), home.state).notifications.time_zone };
}
