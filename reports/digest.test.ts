import { describe, expect, it } from "vitest";
import { digest } from "./digest.ts";

type InsightsRun = Parameters<typeof digest>[0];

const HOSTILE = `<img src=x onerror="alert(1)"> & 'co'`;
const ESCAPED = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;co&#39;";
const spec = { mark: "bar", data: { values: [{ hour: "07", workouts: 3 }] }, encoding: { x: { field: "hour", type: "nominal" }, y: { field: "workouts", type: "quantitative" } } };
const insight = { id: "peak-workout-hours", title: `Peak hours ${HOSTILE}`, narrative: [`Lead ${HOSTILE}`, "Second."], charts: [{ id: "hours", title: `Chart ${HOSTILE}`, spec, data: [] }] } as unknown as InsightsRun["all"][number];
/** Just what the digest reads from a run: its date, the overview and headline figures, and the insights. */
const run = {
  generatedAt: "2024-05-02T06:00:00Z",
  overview: { workouts: 1200, activeUsers: 10, customers: 20, appUserShare: 0.5, workoutsPerActiveUserWeek: 2, minutes: 600, firstDate: "2024-01-01", lastDate: "2024-05-01", latestWorkout: "2024-05-01" },
  location: { headline: [] },
  segments: { findings: { k: 4 } },
  hours: { findings: { peakHours: [7] } },
  age: { headline: [] },
  all: [insight],
} as unknown as InsightsRun;

describe("digest", () => {
  it("puts the insights' titles, leads and chart titles, the date and the site address into the HTML as text", async () => {
    const mail = await digest(run, { to: ["team@example.com"], siteUrl: `https://reports.example.com/?a=1&b="2"`, dataAsOf: `2024-05-01 ${HOSTILE}` });
    expect(mail.html).not.toContain("<img src=x");
    expect(mail.html).toContain(`>Peak hours ${ESCAPED}</a></h2>`);
    expect(mail.html).toContain(`>Lead ${ESCAPED}</p>`);
    expect(mail.html).toContain(`alt="Chart ${ESCAPED}"`);
    expect(mail.html).toContain(`data as of 2024-05-01 ${ESCAPED}`);
    expect(mail.html).toContain('href="https://reports.example.com/?a=1&amp;b=&quot;2&quot;/peak-workout-hours.html"');
    expect(mail.html).toContain(`<img src="cid:${mail.attachments![0].cid}"`);
    expect(mail.text).toContain(`Lead ${HOSTILE}`);
  });

  it("opens every link filtered when given a filter", async () => {
    const mail = await digest(run, { to: ["team@example.com"], siteUrl: "https://reports.example.com/nike", dataAsOf: "2024-05-01", filter: "#dates=90d&state=CO" });
    expect(mail.html).toContain('href="https://reports.example.com/nike/peak-workout-hours.html#dates=90d&amp;state=CO"');
    expect(mail.html).toContain('href="https://reports.example.com/nike/index.html#dates=90d&amp;state=CO"');
    expect(mail.text).toContain("https://reports.example.com/nike/peak-workout-hours.html#dates=90d&state=CO");
  });
});
