/**
 * @module An example query per warehouse table, for the data docs: portable SQL that runs as it stands
 * on the MySQL star schema and on DuckDB over the lake (one view per table, as the insights read it);
 * `docs.test.ts` runs every one on both.
 */

export const EXAMPLE_QUERIES: Record<string, { question: string; sql: string }> = {
  fact_activity: {
    question: "Workouts, minutes and average heart rate per activity in the latest month",
    sql: `SELECT a.activity_type, COUNT(*) AS workouts, ROUND(SUM(f.duration_min)) AS minutes, ROUND(AVG(f.avg_heart_rate)) AS avg_heart_rate
FROM fact_activity f
JOIN dim_activity a ON a.activity_key = f.activity_key
WHERE f.date_key >= (SELECT MAX(date_key) - MAX(date_key) % 100 FROM fact_activity)
GROUP BY a.activity_type
ORDER BY workouts DESC`,
  },
  fact_app_session: {
    question: "App sessions and their average length per platform and part of the day",
    sql: `SELECT s.platform, t.part_of_day, COUNT(*) AS sessions, ROUND(AVG(s.duration_s) / 60, 1) AS avg_minutes
FROM fact_app_session s
JOIN dim_time t ON t.time_key = s.time_key
GROUP BY s.platform, t.part_of_day
ORDER BY s.platform, sessions DESC`,
  },
  dim_user: {
    question: "Current customers per age band and membership tier",
    sql: `SELECT age_band, membership_tier, COUNT(*) AS customers
FROM dim_user
WHERE is_current = TRUE
GROUP BY age_band, membership_tier
ORDER BY age_band, membership_tier`,
  },
  dim_location: {
    question: "Cities known per census region and state",
    sql: `SELECT region, state, COUNT(*) AS cities
FROM dim_location
GROUP BY region, state
ORDER BY region, cities DESC`,
  },
  dim_date: {
    question: "Workouts on weekends, weekdays and holidays",
    sql: `SELECT d.is_weekend, d.is_holiday, COUNT(DISTINCT d.date_key) AS days, COUNT(f.activity_id) AS workouts
FROM dim_date d
LEFT JOIN fact_activity f ON f.date_key = d.date_key
GROUP BY d.is_weekend, d.is_holiday
ORDER BY d.is_weekend, d.is_holiday`,
  },
  dim_time: {
    question: "Workouts per part of the day",
    sql: `SELECT t.part_of_day, COUNT(*) AS workouts
FROM fact_activity f
JOIN dim_time t ON t.time_key = f.time_key
GROUP BY t.part_of_day
ORDER BY workouts DESC`,
  },
  dim_activity: {
    question: "Workouts per activity category and intensity",
    sql: `SELECT a.category, a.intensity, COUNT(f.activity_id) AS workouts
FROM dim_activity a
LEFT JOIN fact_activity f ON f.activity_key = a.activity_key
GROUP BY a.category, a.intensity
ORDER BY workouts DESC`,
  },
  dim_fitness_goal: {
    question: "Current customers per fitness goal (none: no goal set)",
    sql: `SELECT COALESCE(g.goal_type, 'none') AS goal_type, COUNT(*) AS customers
FROM dim_user u
LEFT JOIN dim_fitness_goal g ON g.goal_key = u.goal_key
WHERE u.is_current = TRUE
GROUP BY COALESCE(g.goal_type, 'none')
ORDER BY customers DESC`,
  },
  user_segment: {
    question: "Users per segment and the hour each segment is best reached",
    sql: `SELECT segment_id, segment_name, best_hour, COUNT(*) AS users
FROM user_segment
GROUP BY segment_id, segment_name, best_hour
ORDER BY segment_id`,
  },
  segment_profile: {
    question: "Each segment's size and best notification hour (MySQL only; the profile column is JSON)",
    sql: `SELECT segment_id, segment_name, users, best_hour
FROM segment_profile
ORDER BY segment_id`,
  },
  fact_order_line: {
    question: "Orders, units and net sales per channel and product category in the latest month",
    sql: `SELECT f.channel, p.category, COUNT(DISTINCT f.order_id) AS orders, SUM(f.quantity) AS units, ROUND(SUM(f.net_amount), 2) AS net_sales
FROM fact_order_line f
JOIN dim_product p ON p.product_key = f.product_key
WHERE f.date_key >= (SELECT MAX(date_key) - MAX(date_key) % 100 FROM fact_order_line)
GROUP BY f.channel, p.category
ORDER BY net_sales DESC`,
  },
  fact_store_sale: {
    question: "In-store sale lines and sales per state and sport",
    sql: `SELECT l.state, p.sport, COUNT(*) AS sale_lines, ROUND(SUM(f.amount), 2) AS sales
FROM fact_store_sale f
JOIN dim_location l ON l.location_key = f.location_key
JOIN dim_product p ON p.product_key = f.product_key
GROUP BY l.state, p.sport
ORDER BY sales DESC`,
  },
  fact_inventory_snapshot: {
    question: "Stores, units in stock and their value per store type at the latest quarter end",
    sql: `SELECT s.store_type, COUNT(DISTINCT f.store_key) AS stores, SUM(f.quantity) AS units, ROUND(SUM(f.stock_value), 2) AS stock_value
FROM fact_inventory_snapshot f
JOIN dim_store s ON s.store_key = f.store_key
WHERE f.date_key = (SELECT MAX(date_key) FROM fact_inventory_snapshot)
GROUP BY s.store_type
ORDER BY s.store_type`,
  },
  fact_inbound_shipment: {
    question: "Delivered shipments, on-time share and average lead time per vendor, least punctual first",
    sql: `SELECT v.vendor_name, COUNT(*) AS delivered, ROUND(AVG(CASE WHEN f.on_time THEN 1.0 ELSE 0.0 END), 3) AS on_time_share, ROUND(AVG(f.lead_time_days), 1) AS avg_lead_days
FROM fact_inbound_shipment f
JOIN dim_vendor v ON v.vendor_key = f.vendor_key
WHERE f.status = 'delivered'
GROUP BY v.vendor_name
ORDER BY on_time_share, v.vendor_name`,
  },
  dim_product: {
    question: "Current products per category and price band",
    sql: `SELECT category, price_band, COUNT(*) AS products
FROM dim_product
WHERE is_current = TRUE
GROUP BY category, price_band
ORDER BY category, price_band`,
  },
  dim_store: {
    question: "Stores per channel and type",
    sql: `SELECT channel, store_type, COUNT(*) AS stores
FROM dim_store
GROUP BY channel, store_type
ORDER BY channel, store_type`,
  },
  dim_vendor: {
    question: "Vendors per country",
    sql: `SELECT country, COUNT(*) AS vendors
FROM dim_vendor
GROUP BY country
ORDER BY vendors DESC, country`,
  },
};
