/**
 * @module Insight 6: sales and seasons. What each product line (the catalog's sport) sells month by
 * month against its sport's activity season, how many weeks its sales peak leads (or lags) the
 * activity peak, for planning launches, and each vendor's on-time rate, naming the often-late ones.
 */
import { round, type Computed } from "./insight.ts";
import type { WarehouseSource } from "./source.ts";

/** A vendor is often late when its on-time rate is at least this far (a fraction) below that of every delivery. */
const LATE_MARGIN = 0.15;
/** Vendors with fewer delivered shipments are listed, never named often late: too few to tell. */
const MIN_DELIVERIES = 30;

const YEAR_DAYS = 365.25;
const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/** A product line's sales and its sport's activity: peaks as days of the year (0 = January 1st), lead in weeks (positive: sales peak first). */
export type CategorySeason = {
  category: string;
  units: number;
  revenue: number;
  workouts: number;
  salesPeakDay: number;
  activityPeakDay: number;
  leadWeeks: number;
  /** Share of a year's units (or workouts) per calendar month, January first, over 1/12: 1 = an average month. */
  salesIndex: number[];
  activityIndex: number[];
};

export type VendorDelivery = { vendorId: number; vendor: string; delivered: number; onTime: number; onTimeRate: number; oftenLate: boolean };

export type SalesFindings = {
  cutoffs: { lateMargin: number; minDeliveries: number };
  /** Units sold: order lines not cancelled, and in-store sale lines. Most revenue first. */
  categories: CategorySeason[];
  /** Mean lead over the product lines, weighted by units. */
  meanLeadWeeks: number;
  deliveries: number;
  onTimeRate: number;
  /** Lowest on-time rate first. */
  vendors: VendorDelivery[];
  /** Vendor ids of the often-late vendors, lowest on-time rate first. */
  lateVendors: number[];
};

/**
 * Every sale line as a relation (portable SQL, to alias): its product line, customer (the user version
 * then; NULL for a sale without a known customer, such as an erased one's), local day, units and amount.
 * Orders a customer cancelled sold nothing; in-store sales count alike. The filter cubes read it too.
 */
export const SALE_LINES = `(
    SELECT p.sport AS line, s.user_key AS user_key, s.date_key AS date_key, s.quantity AS quantity, s.amount AS amount
    FROM (
      SELECT product_key, user_key, date_key, quantity, net_amount AS amount FROM fact_order_line WHERE status <> 'cancelled'
      UNION ALL
      SELECT product_key, user_key, date_key, quantity, amount FROM fact_store_sale
    ) s
    JOIN dim_product p ON p.product_key = s.product_key
    WHERE p.sport IS NOT NULL
  )`;

/** An amount (units, workouts) of a product line or sport on a day; revenue for sales. */
type Daily = { category: string; date_key: number; amount: number; revenue?: number };

const dayOfYear = (dateKey: number) => DAYS_BEFORE_MONTH[(Math.floor(dateKey / 100) % 100) - 1] + (dateKey % 100) - 1;

/**
 * The peak of a seasonal series as a day of the year: the phase of its yearly harmonic (for a
 * single-peaked season, such as the von Mises the data follow, its mode). Growth over whole years and
 * weekday patterns shift sales and activity alike, so their difference, the lead, is unbiased.
 */
export function seasonalPeakDay(days: Array<{ day: number; weight: number }>): number {
  let sin = 0;
  let cos = 0;
  for (const { day, weight } of days) {
    const angle = (2 * Math.PI * day) / YEAR_DAYS;
    sin += weight * Math.sin(angle);
    cos += weight * Math.cos(angle);
  }
  const phase = Math.atan2(sin, cos);
  return round((((phase * YEAR_DAYS) / (2 * Math.PI)) % YEAR_DAYS + YEAR_DAYS) % YEAR_DAYS, 1);
}

/** How many days `earlier` comes before `later` round the year, in (-half a year, half a year]. */
const daysAhead = (earlier: number, later: number) => {
  const d = (((later - earlier) % YEAR_DAYS) + YEAR_DAYS) % YEAR_DAYS;
  return d > YEAR_DAYS / 2 ? d - YEAR_DAYS : d;
};

/**
 * Each calendar month's share of a year's amount (January first), over 1/12: 1 = an average month.
 * Self-contained (no module constant in its body): the report pages run its source on filtered sales.
 */
export function monthIndex(months: number[]): number[] {
  const total = months.reduce((a, b) => a + b, 0) || 1;
  return months.map((m) => Number(((12 * m) / total).toFixed(3)));
}

const monthTotals = (rows: Daily[]) => {
  const months = new Array<number>(12).fill(0);
  for (const r of rows) months[(Math.floor(r.date_key / 100) % 100) - 1] += r.amount;
  return months;
};

const byCategory = (rows: Daily[]) => {
  const grouped = new Map<string, Daily[]>();
  for (const r of rows) {
    const list = grouped.get(r.category);
    if (list) list.push(r);
    else grouped.set(r.category, [r]);
  }
  return grouped;
};

/** The findings, and the units per product line and month that the monthly chart shows. */
export type ComputedSales = Computed<SalesFindings> & { monthly: Array<{ category: string; year: number; month: number; units: number }> };

export async function salesAndSeasons(source: WarehouseSource): Promise<ComputedSales> {
  const units = await source.query<Daily>(`
    SELECT s.line AS category, s.date_key AS date_key, SUM(s.quantity) AS amount, SUM(s.amount) AS revenue
    FROM ${SALE_LINES} s
    GROUP BY s.line, s.date_key
    ORDER BY s.line, s.date_key`);
  const workouts = await source.query<Daily>(`
    SELECT a.activity_type AS category, f.date_key AS date_key, COUNT(*) AS amount
    FROM fact_activity f JOIN dim_activity a ON a.activity_key = f.activity_key
    GROUP BY a.activity_type, f.date_key
    ORDER BY a.activity_type, f.date_key`);
  const shipments = await source.query<{ vendor_id: number; vendor: string; delivered: number; on_time: number }>(`
    SELECT v.vendor_id AS vendor_id, v.vendor_name AS vendor, COUNT(*) AS delivered, SUM(CASE WHEN f.on_time THEN 1 ELSE 0 END) AS on_time
    FROM fact_inbound_shipment f JOIN dim_vendor v ON v.vendor_key = f.vendor_key
    WHERE f.on_time IS NOT NULL
    GROUP BY v.vendor_id, v.vendor_name
    ORDER BY v.vendor_id`);

  const sales = byCategory(units.map((r) => ({ ...r, amount: Number(r.amount), revenue: Number(r.revenue) })));
  const activity = byCategory(workouts);
  const peak = (rows: Daily[]) => seasonalPeakDay(rows.map((r) => ({ day: dayOfYear(r.date_key), weight: r.amount })));
  const categories: CategorySeason[] = [...sales]
    .filter(([category]) => activity.has(category))
    .map(([category, rows]) => {
      const done = activity.get(category) as Daily[];
      const salesPeakDay = peak(rows);
      const activityPeakDay = peak(done);
      return {
        category,
        units: rows.reduce((s, r) => s + r.amount, 0),
        revenue: round(rows.reduce((s, r) => s + (r.revenue ?? 0), 0), 2),
        workouts: done.reduce((s, r) => s + r.amount, 0),
        salesPeakDay,
        activityPeakDay,
        leadWeeks: round(daysAhead(salesPeakDay, activityPeakDay) / 7, 1),
        salesIndex: monthIndex(monthTotals(rows)),
        activityIndex: monthIndex(monthTotals(done)),
      };
    })
    .sort((a, b) => b.revenue - a.revenue);
  const totalUnits = categories.reduce((s, c) => s + c.units, 0) || 1;

  const deliveries = shipments.reduce((s, v) => s + Number(v.delivered), 0);
  const onTimeRate = shipments.reduce((s, v) => s + Number(v.on_time), 0) / Math.max(1, deliveries);
  const vendors: VendorDelivery[] = shipments
    .map((v) => {
      const rate = Number(v.on_time) / Number(v.delivered);
      return {
        vendorId: v.vendor_id, vendor: v.vendor, delivered: Number(v.delivered), onTime: Number(v.on_time), onTimeRate: round(rate, 4),
        oftenLate: Number(v.delivered) >= MIN_DELIVERIES && rate <= onTimeRate - LATE_MARGIN,
      };
    })
    .sort((a, b) => a.onTimeRate - b.onTimeRate || a.vendorId - b.vendorId);

  const monthly = [...sales].flatMap(([category, rows]) => {
    const perMonth = new Map<number, number>();
    for (const r of rows) perMonth.set(Math.floor(r.date_key / 100), (perMonth.get(Math.floor(r.date_key / 100)) ?? 0) + r.amount);
    return [...perMonth].sort((a, b) => a[0] - b[0]).map(([ym, n]) => ({ category, year: Math.floor(ym / 100), month: ym % 100, units: n }));
  });
  const findings: SalesFindings = {
    cutoffs: { lateMargin: LATE_MARGIN, minDeliveries: MIN_DELIVERIES },
    categories,
    meanLeadWeeks: round(categories.reduce((s, c) => s + c.leadWeeks * c.units, 0) / totalUnits, 1),
    deliveries,
    onTimeRate: round(onTimeRate, 4),
    vendors,
    lateVendors: vendors.filter((v) => v.oftenLate).map((v) => v.vendorId),
  };
  return { findings, monthly, rowsRead: units.length + workouts.length + shipments.length };
}
