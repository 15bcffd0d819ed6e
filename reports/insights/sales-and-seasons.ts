/** @module How sales and seasons are shown: each product line's sales peak against its sport's activity peak (the lead, for launches), monthly sales, and vendors' on-time rates. */
import { MONTHS, fmt } from "../../warehouse/insights/insight.ts";
import type { CategorySeason, ComputedSales, SalesFindings } from "../../warehouse/insights/sales-and-seasons.ts";
import { chart, type Chart, type Summary, type View } from "./view.ts";

const SHORT_MONTHS = MONTHS.map((m) => m.slice(0, 3));

/** A day of the year (0 = January 1st) as a calendar day, e.g. "Mar 21". */
export const dayLabel = (day: number) =>
  new Date(Date.UTC(2001, 0, 1 + Math.round(day))).toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });

/** The calendar month (1–12) a day of the year falls in. */
export const monthOfDay = (day: number) => new Date(Date.UTC(2001, 0, 1 + Math.round(day))).getUTCMonth() + 1;

const weeks = (w: number) => `${fmt.dec(Math.abs(w), 1)} week${Math.abs(w) === 1 ? "" : "s"}`;
const leadText = (w: number) => (w >= 0 ? `${weeks(w)} ahead of` : `${weeks(w)} after`);

function summary(findings: SalesFindings): Summary {
  const { categories, vendors, lateVendors, cutoffs } = findings;
  const units = categories.reduce((s, c) => s + c.units, 0);
  const revenue = categories.reduce((s, c) => s + c.revenue, 0);
  const byLead = [...categories].sort((a, b) => a.leadWeeks - b.leadWeeks);
  const byPeak = [...categories].sort((a, b) => a.salesPeakDay - b.salesPeakDay);
  const late = lateVendors.map((id) => vendors.find((v) => v.vendorId === id) as SalesFindings["vendors"][number]);
  return {
    headline: [
      { label: "Units sold", value: fmt.int(units) },
      { label: "Revenue", value: fmt.int(revenue) },
      { label: "Sales peak ahead of activity", value: `${fmt.dec(findings.meanLeadWeeks, 1)} weeks` },
      { label: "Deliveries on time", value: fmt.pct(findings.onTimeRate, 1) },
      { label: "Often-late vendors", value: String(late.length) },
    ],
    narrative: [
      `${fmt.int(units)} units sold (${fmt.int(revenue)} in revenue, orders and in-store sales) across ${categories.length} product lines; most revenue: ${categories.slice(0, 3).map((c) => `${c.category} (${fmt.int(c.revenue)})`).join(", ")}.`,
      categories.length > 0
        ? `Sales peak on average ${leadText(findings.meanLeadWeeks)} their sport's activity peak; the lead runs from ${fmt.dec(byLead[0].leadWeeks, 1)} weeks (${byLead[0].category}) to ${fmt.dec(byLead[byLead.length - 1].leadWeeks, 1)} weeks (${byLead[byLead.length - 1].category})${byLead[0].leadWeeks < 0 ? ", a negative lead being a lag: sales peak after the activity" : ""}.`
        : "",
      `Plan launches ahead of each line's sales peak: ${byPeak.map((c) => `${c.category} around ${dayLabel(c.salesPeakDay)} (activity peaks ${dayLabel(c.activityPeakDay)})`).join("; ")}.`,
      `${fmt.pct(findings.onTimeRate, 1)} of ${fmt.int(findings.deliveries)} delivered inbound shipments arrived by the promised day. ${
        late.length > 0
          ? `Often late (an on-time rate ${fmt.int(cutoffs.lateMargin * 100)} points or more below that, over at least ${cutoffs.minDeliveries} deliveries): ${late.map((v) => `${v.vendor} (${fmt.pct(v.onTimeRate)} of ${fmt.int(v.delivered)})`).join("; ")}.`
          : `No vendor's on-time rate is ${fmt.int(cutoffs.lateMargin * 100)} points or more below that (over at least ${cutoffs.minDeliveries} deliveries).`
      }`,
    ].filter(Boolean),
    table: {
      caption: "Sales and activity peaks per product line (most revenue first)",
      rows: categories.map((c) => ({
        category: c.category, units: c.units, revenue: c.revenue, sales_peak: dayLabel(c.salesPeakDay), activity_peak: dayLabel(c.activityPeakDay), lead_weeks: c.leadWeeks,
      })),
    },
  };
}

const seasonRows = (categories: CategorySeason[]) =>
  categories.flatMap((c) =>
    c.salesIndex.map((index, m) => ({
      category: c.category, month: SHORT_MONTHS[m], month_number: m + 1, sales_index: index, activity_index: c.activityIndex[m],
      activity_peak: monthOfDay(c.activityPeakDay) === m + 1,
    })),
  );

function charts({ findings, monthly }: ComputedSales): Chart[] {
  const heat = chart("sales-vs-activity", "Sales index by product line and month (▲ the sport's activity peak)", seasonRows(findings.categories), {
    height: { step: 22 },
    encoding: {
      x: { field: "month", type: "ordinal", sort: SHORT_MONTHS, title: null },
      y: { field: "category", type: "nominal", title: null },
    },
    layer: [
      {
        mark: { type: "rect", tooltip: true },
        encoding: {
          color: { field: "sales_index", type: "quantitative", title: "Sales index", scale: { scheme: "redblue", reverse: true, domainMid: 1 } },
          tooltip: [{ field: "category", title: "Product line" }, { field: "month" }, { field: "sales_index", format: ".2f", title: "Sales index" }, { field: "activity_index", format: ".2f", title: "Activity index" }],
        },
      },
      { transform: [{ filter: "datum.activity_peak" }], mark: { type: "text", text: "▲", fontSize: 12, color: "#111827" } },
    ],
  });
  const leadRows = findings.categories.map((c) => ({ category: c.category, lead_weeks: c.leadWeeks, sales_peak: dayLabel(c.salesPeakDay), activity_peak: dayLabel(c.activityPeakDay) }));
  const lead = chart("sales-lead", "Weeks from the sales peak to the activity peak, per product line", leadRows, {
    height: { step: 22 },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "category", type: "nominal", sort: "-x", title: null },
      x: { field: "lead_weeks", type: "quantitative", title: "Weeks sales lead activity" },
      tooltip: [{ field: "category", title: "Product line" }, { field: "lead_weeks", format: ".1f", title: "Lead (weeks)" }, { field: "sales_peak", title: "Sales peak" }, { field: "activity_peak", title: "Activity peak" }],
    },
  });
  const monthRows = monthly.map((r) => ({ category: r.category, month: `${r.year}-${String(r.month).padStart(2, "0")}`, units: r.units }));
  const lines = chart("monthly-sales", "Units sold per product line and month", monthRows, {
    height: 320,
    // A point per month: clicking one filters the page to that month.
    mark: { type: "line", point: { size: 16 }, tooltip: true },
    encoding: {
      x: { field: "month", type: "temporal", timeUnit: "yearmonth", title: null },
      y: { field: "units", type: "quantitative", title: "Units" },
      color: { field: "category", type: "nominal", title: "Product line", scale: { scheme: "tableau20" } },
      tooltip: [{ field: "category", title: "Product line" }, { field: "month", type: "temporal", timeUnit: "yearmonth", title: "Month" }, { field: "units", format: "," }],
    },
  });
  const vendorRows = findings.vendors.map((v) => ({ vendor: v.vendor, vendor_id: v.vendorId, delivered: v.delivered, on_time: v.onTime, on_time_rate: v.onTimeRate, often_late: v.oftenLate }));
  const vendors = chart("vendor-on-time", "On-time rate per vendor (delivered shipments)", vendorRows, {
    height: { step: 16 },
    layer: [
      {
        mark: { type: "bar", tooltip: true },
        encoding: {
          y: { field: "vendor", type: "nominal", sort: "x", title: null },
          x: { field: "on_time_rate", type: "quantitative", title: "On time", axis: { format: "%" }, scale: { domain: [0, 1] } },
          color: { field: "often_late", type: "nominal", title: "Often late", scale: { domain: [false, true], range: ["#9ca3af", "#dc2626"] } },
          tooltip: [{ field: "vendor" }, { field: "delivered", format: "," }, { field: "on_time", format: ",", title: "On time" }, { field: "on_time_rate", format: ".1%", title: "On-time rate" }],
        },
      },
      { mark: { type: "rule", color: "#111827", strokeDash: [4, 3] }, encoding: { x: { datum: findings.onTimeRate, type: "quantitative" } } },
    ],
  });
  return [heat, lead, lines, vendors];
}

export const salesAndSeasonsView: View<ComputedSales> = {
  id: "sales-and-seasons",
  title: "Sales and seasons",
  question: "When does each product line sell against its sport's season, when should it launch, and which vendors deliver late?",
  summary,
  charts,
};
