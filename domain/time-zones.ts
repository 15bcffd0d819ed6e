/**
 * @module Where a moment happened: the IANA time zone of each US state (its most populous zone), the
 * zone a user is taken to be in when neither they nor their device said otherwise.
 */

export const STATE_TIME_ZONES: Readonly<Record<string, string>> = {
  AL: "America/Chicago", AK: "America/Anchorage", AZ: "America/Phoenix", AR: "America/Chicago", CA: "America/Los_Angeles",
  CO: "America/Denver", CT: "America/New_York", DC: "America/New_York", DE: "America/New_York", FL: "America/New_York",
  GA: "America/New_York", HI: "Pacific/Honolulu", ID: "America/Boise", IL: "America/Chicago", IN: "America/Indiana/Indianapolis",
  IA: "America/Chicago", KS: "America/Chicago", KY: "America/New_York", LA: "America/Chicago", ME: "America/New_York",
  MD: "America/New_York", MA: "America/New_York", MI: "America/Detroit", MN: "America/Chicago", MS: "America/Chicago",
  MO: "America/Chicago", MT: "America/Denver", NE: "America/Chicago", NV: "America/Los_Angeles", NH: "America/New_York",
  NJ: "America/New_York", NM: "America/Denver", NY: "America/New_York", NC: "America/New_York", ND: "America/Chicago",
  OH: "America/New_York", OK: "America/Chicago", OR: "America/Los_Angeles", PA: "America/New_York", RI: "America/New_York",
  SC: "America/New_York", SD: "America/Chicago", TN: "America/Chicago", TX: "America/Chicago", UT: "America/Denver",
  VT: "America/New_York", VA: "America/New_York", WA: "America/Los_Angeles", WV: "America/New_York", WI: "America/Chicago",
  WY: "America/Denver",
};

/** The zone of a user whose state is unknown: the most populous one. */
export const DEFAULT_TIME_ZONE = "America/New_York";

export const zoneOfState = (state: string | null | undefined): string => (state && STATE_TIME_ZONES[state]) || DEFAULT_TIME_ZONE;

const known = new Map<string, boolean>();

/** Whether `zone` is an IANA time zone this runtime knows (remembered: the ETL asks once per workout). */
export function isTimeZone(zone: string): boolean {
  let answer = known.get(zone);
  if (answer === undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
      answer = true;
    } catch {
      answer = false;
    }
    if (known.size < 1000) known.set(zone, answer);
  }
  return answer;
}
