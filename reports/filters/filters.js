/*
 * The report pages' filters, shared by every page (copied to the site as assets/filters.js).
 *
 * A page declares (in #filter-page) which rows feed each of its charts, its table and its headline
 * figures; its data file (data/filters-<page>.js) carries the cubes those rows are made from
 * (warehouse/insights/cubes.ts). The filter lives in the URL's hash, so a view can be bookmarked and
 * sent; each change re-aggregates the cubes and hands each chart its new rows (Vega's changesets,
 * no re-embedding). Nothing is fetched: it works from file:// as over HTTP.
 *
 * Sales carry two slots past a dimension's last value: a sale without a known customer (the profile
 * past the last), chosen only while no state, age band or segment is; and a sale outside the
 * workouts' days (periods past the last: DATA.outsideMonths), chosen only while no dates are. The
 * activity filter chooses the product line of its sport.
 */
(function () {
  "use strict";
  var DATA = window.NIKE_FILTER_DATA;
  var declaration = document.getElementById("filter-page");
  if (!DATA || !declaration) return;
  var PAGE = JSON.parse(declaration.textContent);
  var FNS = window.NIKE_FILTER_FUNCTIONS || {};
  var dims = DATA.dims;
  var periods = DATA.periods;
  var KEYS = ["dates", "from", "to", "state", "activity", "age", "segment"];
  var PRESETS = { all: "All dates", "30d": "Last 30 days", "90d": "Last 90 days", ytd: "Year to date", months: "Months…" };
  var LABELS = { state: "State", activity: "Activity", age: "Age band", segment: "Segment" };

  // ---- unpacking (reports/filters/pack.ts) ----
  var ARRAYS = { u8: Uint8Array, u16: Uint16Array, u32: Uint32Array };
  function unpack(packed) {
    var binary = atob(packed.gzip);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer().then(function (buffer) {
      var cube = { rows: packed.rows }, offset = 0;
      packed.columns.forEach(function (c) {
        var Type = ARRAYS[c.type];
        cube[c.name] = new Type(buffer, offset, packed.rows);
        offset += Math.ceil((packed.rows * Type.BYTES_PER_ELEMENT) / 4) * 4;
      });
      return cube;
    });
  }

  // ---- the filter: URL hash <-> state ----
  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, "")), f = {};
    KEYS.forEach(function (k) { var v = params.get(k); if (v) f[k] = v; });
    if (f.from || f.to) f.dates = "months";
    if (f.dates === "months") { f.from = f.from || periods[0].month; f.to = f.to || periods[periods.length - 1].month; }
    if (f.dates === "all") delete f.dates;
    return f;
  }
  function hashOf(f) {
    var params = new URLSearchParams();
    KEYS.forEach(function (k) { if (f[k] && !(k === "dates" && (f.from || f.to))) params.set(k, f[k]); });
    var s = params.toString();
    return s ? "#" + s : "";
  }
  function setFilter(f) {
    var hash = hashOf(f);
    if (hash === location.hash || (hash === "" && location.hash === "")) return;
    history.pushState(null, "", hash || location.pathname + location.search);
    redraw();
  }

  // ---- selection: which periods, profiles and activities pass ----
  function lastDays(n) { var d = new Date(Date.parse(DATA.lastDate) - (n - 1) * 86400000); return d.toISOString().slice(0, 10); }
  function selection(f) {
    var start = f.dates === "30d" ? lastDays(30) : f.dates === "90d" ? lastDays(90) : f.dates === "ytd" ? DATA.lastDate.slice(0, 4) + "-01-01" : null;
    var period = new Uint8Array(periods.length + DATA.outsideMonths.length).fill(f.dates ? 0 : 1), days = 0, first = null, last = null;
    periods.forEach(function (p, i) {
      var ok = f.dates === "months" ? p.month >= f.from && p.month <= f.to : start ? p.from >= start : true;
      period[i] = ok ? 1 : 0;
      if (!ok) return;
      days += p.days; first = first || p.from; last = p.to;
    });
    // -1: no filter on the dimension; a value the data does not have (a stale link) selects nothing.
    var index = function (list, value) { return value ? (list.indexOf(value) < 0 ? -2 : list.indexOf(value)) : -1; };
    var state = index(dims.state, f.state), age = index(dims.age, f.age), segment = index(dims.segment, f.segment);
    var profiles = DATA.profiles, n = profiles.city.length, profile = new Uint8Array(n + 1);
    profile[n] = state === -1 && age === -1 && segment === -1 ? 1 : 0;
    for (var p = 0; p < n; p++) {
      profile[p] = (state === -1 || dims.cityState[profiles.city[p]] === state) && (age === -1 || profiles.age[p] === age) && (segment === -1 || profiles.segment[p] === segment) ? 1 : 0;
    }
    var activity = new Uint8Array(dims.activity.length);
    for (var a = 0; a < activity.length; a++) activity[a] = !f.activity || dims.activity[a] === f.activity ? 1 : 0;
    var line = new Uint8Array(dims.line.length);
    for (var l = 0; l < line.length; l++) line[l] = !f.activity || dims.line[l] === f.activity ? 1 : 0;
    return { period: period, profile: profile, activity: activity, line: line, days: days, months: days / 30.44, weeks: days / 7, first: first, last: last, memo: {} };
  }

  // ---- aggregation ----
  var cubes = {};
  var round = function (x, digits) { return Number(x.toFixed(digits)); };
  /** The profile → group maps by dimension name (every user dimension is a function of the profile). */
  var GROUPS = {};
  function groups(by) {
    if (!GROUPS[by]) {
      var pr = DATA.profiles, n = pr.city.length, map = new Int32Array(n);
      for (var p = 0; p < n; p++) map[p] = by === "all" ? 0 : by === "state" ? dims.cityState[pr.city[p]] : pr[by][p];
      GROUPS[by] = { size: by === "all" ? 1 : dims[by].length, of: map };
    }
    return GROUPS[by];
  }
  var USER_DIMS = ["all", "state", "city", "age", "segment"];
  /** What `work()` returns, computed once per selection: several charts and figures share it. */
  function once(sel, key, work) { return key in sel.memo ? sel.memo[key] : (sel.memo[key] = work()); }

  /**
   * One pass over the workouts cube per selection: workouts and minutes per profile, workouts per
   * profile and activity, and per period and activity. Every figure by a user dimension sums these.
   */
  function workoutSums(sel) {
    return once(sel, "workouts", function () {
      var w = cubes.workouts, A = dims.activity.length, P = DATA.profiles.city.length;
      var byProfile = new Float64Array(P * 2), byProfileActivity = new Float64Array(P * A), byPeriodActivity = new Float64Array(periods.length * A);
      var pe = w.period, pr = w.profile, ac = w.activity, wo = w.workouts, mi = w.minutes10, sp = sel.period, sf = sel.profile, sa = sel.activity;
      for (var i = 0; i < w.rows; i++) {
        if (!sp[pe[i]] || !sf[pr[i]] || !sa[ac[i]]) continue;
        var p = pr[i], a = ac[i], n = wo[i];
        byProfile[2 * p] += n; byProfile[2 * p + 1] += mi[i];
        byProfileActivity[p * A + a] += n;
        byPeriodActivity[pe[i] * A + a] += n;
      }
      return { byProfile: byProfile, byProfileActivity: byProfileActivity, byPeriodActivity: byPeriodActivity };
    });
  }
  /** Distinct active users per value of every user dimension, in one pass (the users cube is sorted by user, so a user's cells are adjacent). */
  function activeUsers(sel) {
    return once(sel, "users", function () {
      var cube = cubes.users, out = {}, maps = [], last = [];
      USER_DIMS.forEach(function (by, d) { var g = groups(by); out[by] = new Float64Array(g.size); maps[d] = g.of; last[d] = new Float64Array(g.size).fill(-1); });
      var pe = cube.period, pr = cube.profile, ac = cube.activity, us = cube.user, sp = sel.period, sf = sel.profile, sa = sel.activity;
      var lastUser = -1, lastProfile = -1;
      for (var i = 0; i < cube.rows; i++) {
        if (!sp[pe[i]] || !sf[pr[i]] || !sa[ac[i]]) continue;
        var u = us[i], p = pr[i];
        if (u === lastUser && p === lastProfile) continue; // counted already, in every dimension
        lastUser = u; lastProfile = p;
        for (var d = 0; d < USER_DIMS.length; d++) {
          var g = maps[d][p];
          if (last[d][g] !== u) { last[d][g] = u; out[USER_DIMS[d]][g]++; }
        }
      }
      return out;
    });
  }
  /** Workouts, minutes and active users per value of a user dimension, with the per-user rates the pages show (fresh rows each call). */
  function engagement(sel, by) {
    var g = groups(by), sums = workoutSums(sel).byProfile, users = activeUsers(sel)[by];
    var workouts = new Float64Array(g.size), minutes = new Float64Array(g.size), rows = [];
    for (var p = 0; p < g.of.length; p++) { workouts[g.of[p]] += sums[2 * p]; minutes[g.of[p]] += sums[2 * p + 1] / 10; }
    for (var i = 0; i < g.size; i++) {
      if (!users[i]) continue;
      rows.push({ index: i, active_users: users[i], workouts: workouts[i], minutes: minutes[i],
        workouts_per_user_month: round(workouts[i] / users[i] / sel.months, 3), minutes_per_user_month: round(minutes[i] / users[i] / sel.months, 1),
        workouts_per_week: round(workouts[i] / users[i] / sel.weeks, 2), mean_minutes: round(minutes[i] / workouts[i], 1) });
    }
    return rows;
  }
  function customers(sel, by) {
    var g = groups(by), c = cubes.customers, out = new Float64Array(g.size);
    for (var i = 0; i < c.rows; i++) if (sel.profile[c.profile[i]]) out[g.of[c.profile[i]]] += c.customers[i];
    return out;
  }
  /** Workouts per activity within each value of a user dimension. */
  function activityMix(sel, by) {
    var g = groups(by), A = dims.activity.length, sums = workoutSums(sel).byProfileActivity, out = new Float64Array(g.size * A);
    for (var p = 0; p < g.of.length; p++) for (var a = 0; a < A; a++) out[g.of[p] * A + a] += sums[p * A + a];
    return function (group) { return Array.prototype.slice.call(out, group * A, group * A + A); };
  }
  /** Workouts per segment, weekday and hour, in one pass over the hours cube per selection (the largest cube). */
  function hourGrid(sel) {
    return once(sel, "hourGrid", function () {
      var h = cubes.hours, segments = DATA.profiles.segment, grid = new Float64Array(dims.segment.length * 168);
      var pe = h.period, pr = h.profile, ac = h.activity, wd = h.weekday, hr = h.hour, wo = h.workouts, sp = sel.period, sf = sel.profile, sa = sel.activity;
      for (var i = 0; i < h.rows; i++) {
        if (sp[pe[i]] && sf[pr[i]] && sa[ac[i]]) grid[segments[pr[i]] * 168 + (wd[i] - 1) * 24 + hr[i]] += wo[i];
      }
      return grid;
    });
  }
  /** Workouts per hour (0–23), optionally per weekday (7 × 24, Monday first), for all users ("all") or per segment ("segment"). */
  function hourCounts(sel, by, withWeekday) {
    var grid = hourGrid(sel), width = withWeekday ? 168 : 24;
    return function (group) {
      var out = new Array(width).fill(0);
      for (var s = 0; s < dims.segment.length; s++) {
        if (by === "segment" && s !== group) continue;
        for (var c = 0; c < 168; c++) out[withWeekday ? c : c % 24] += grid[s * 168 + c];
      }
      return out;
    };
  }
  function hourProfile(counts) {
    var total = counts.reduce(function (a, b) { return a + b; }, 0);
    var peak = counts.map(function (n, hour) { return { n: n, hour: hour }; }).sort(function (a, b) { return b.n - a.n; }).slice(0, 3).map(function (p) { return p.hour; });
    return { workouts: total, peakHours: peak, hourShare: counts.map(function (n) { return total ? round(n / total, 4) : 0; }) };
  }
  function monthlySeries(sel) {
    return once(sel, "monthly", function () {
      var n = dims.activity.length, sums = workoutSums(sel).byPeriodActivity, byMonth = {};
      periods.forEach(function (p, i) {
        for (var a = 0; a < n; a++) if (sums[i * n + a]) byMonth[p.month + "|" + a] = (byMonth[p.month + "|" + a] || 0) + sums[i * n + a];
      });
      return Object.keys(byMonth).sort().map(function (k) { var parts = k.split("|"); return { month: parts[0], activity: Number(parts[1]), workouts: byMonth[k] }; });
    });
  }

  /** Units and revenue (cents) per month ("YYYY-MM") and product line, in one pass over the sales cube per selection. */
  function salesByMonth(sel) {
    return once(sel, "sales", function () {
      var s = cubes.sales, L = dims.line.length, P = periods.length, byMonth = {};
      var pe = s.period, pr = s.profile, li = s.line, un = s.units, ce = s.cents, sp = sel.period, sf = sel.profile, sl = sel.line;
      for (var i = 0; i < s.rows; i++) {
        if (!sp[pe[i]] || !sf[pr[i]] || !sl[li[i]]) continue;
        var month = pe[i] < P ? periods[pe[i]].month : DATA.outsideMonths[pe[i] - P];
        var sums = byMonth[month] || (byMonth[month] = new Float64Array(2 * L));
        sums[2 * li[i]] += un[i]; sums[2 * li[i] + 1] += ce[i];
      }
      return byMonth;
    });
  }
  /** Units and revenue of each product line the page shows (params.salesLines), with units sold per calendar month (January first). */
  function salesPerLine(sel, params) {
    return once(sel, "salesPerLine", function () {
      var byMonth = salesByMonth(sel);
      return params.salesLines.map(function (line) {
        var l = dims.line.indexOf(line.category), out = { line: line, units: 0, cents: 0, months: new Array(12).fill(0) };
        Object.keys(byMonth).forEach(function (month) {
          var units = byMonth[month][2 * l] || 0;
          out.units += units; out.cents += byMonth[month][2 * l + 1] || 0; out.months[Number(month.slice(5)) - 1] += units;
        });
        return out;
      }).filter(function (r) { return r.units > 0; });
    });
  }
  function salesTotal(sel, params) {
    return salesPerLine(sel, params).reduce(function (t, r) { return { units: t.units + r.units, cents: t.cents + r.cents }; }, { units: 0, cents: 0 });
  }
  /** Workouts of an activity per calendar month (January first). */
  function workoutsPerCalendarMonth(sel, activity) {
    var a = dims.activity.indexOf(activity), A = dims.activity.length, sums = workoutSums(sel).byPeriodActivity, out = new Array(12).fill(0);
    if (a < 0) return out;
    periods.forEach(function (p, i) { out[Number(p.month.slice(5)) - 1] += sums[i * A + a]; });
    return out;
  }

  var hourLabel = function (h) { return (h < 10 ? "0" : "") + h + ":00"; };
  // Number formats are made once: making one per number (toLocaleString with options) costs more than the whole aggregation.
  var formats = {};
  function format(min, max) { var k = min + ":" + max; return formats[k] || (formats[k] = new Intl.NumberFormat("en-US", { minimumFractionDigits: min, maximumFractionDigits: max })); }
  var fmt = {
    int: function (x) { return format(0, 0).format(Math.round(x)); },
    dec: function (x, d) { return format(d, d).format(x); },
    pct: function (x, d) { return (x * 100).toFixed(d || 0) + "%"; },
  };

  // ---- the row builders a page's declaration names ----
  /** States ranked as the location insight ranks them: enough active users to be ranked, then by workouts per user per month. */
  function states(sel, params) { return once(sel, "states", function () { return statesOf(sel, params); }); }
  function statesOf(sel, params) {
    var rows = engagement(sel, "state");
    var totals = engagement(sel, "all")[0];
    if (!totals) return [];
    var average = totals.workouts_per_user_month;
    var minUsers = Math.min(params.minActiveUsers, Math.max.apply(null, rows.map(function (r) { return r.active_users; })));
    rows.sort(function (a, b) { return b.workouts_per_user_month - a.workouts_per_user_month; });
    var ranked = rows.filter(function (r) { return r.active_users >= minUsers; });
    var ordered = ranked.concat(rows.filter(function (r) { return r.active_users < minUsers; }));
    return ordered.map(function (r) {
      var isRanked = r.active_users >= minUsers;
      var high = round(average * params.highFactor, 3), low = round(average * params.lowFactor, 3);
      return { rank: isRanked ? ranked.indexOf(r) + 1 : null, state: dims.state[r.index], state_name: dims.stateName[r.index], census_region: dims.region[r.index],
        active_users: r.active_users, workouts: r.workouts, minutes: Math.round(r.minutes), workouts_per_user_month: r.workouts_per_user_month,
        minutes_per_user_month: r.minutes_per_user_month, vs_average: round(r.workouts_per_user_month / average - 1, 3),
        engagement: !isRanked ? "unranked" : r.workouts_per_user_month >= high ? "high" : r.workouts_per_user_month <= low ? "low" : "typical" };
    });
  }
  var BUILDERS = {
    states: states,
    stateMap: function (sel, params) { return states(sel, params).map(function (r) { return Object.assign({}, r, { fips: params.fips[r.state] || null }); }); },
    cities: function (sel, params) {
      var rows = engagement(sel, "city");
      if (!rows.length) return [];
      var minUsers = Math.min(params.minCityActiveUsers, Math.max.apply(null, rows.map(function (r) { return r.active_users; })));
      return rows.filter(function (r) { return r.active_users >= minUsers; })
        .sort(function (a, b) { return b.workouts_per_user_month - a.workouts_per_user_month; }).slice(0, params.top)
        .map(function (r) { return { city: dims.city[r.index], state: dims.state[dims.cityState[r.index]], active_users: r.active_users, workouts: r.workouts, minutes: Math.round(r.minutes), workouts_per_user_month: r.workouts_per_user_month, minutes_per_user_month: r.minutes_per_user_month }; });
    },
    monthly: function (sel) {
      return monthlySeries(sel).map(function (r) { return { activity_type: dims.activity[r.activity], category: dims.category[r.activity], month: r.month, workouts: r.workouts }; });
    },
    seasons: function (sel, params) { return once(sel, "seasons", function () { return seasonsOf(sel, params); }).slice(); },
  };
  function seasonsOf(sel, params) {
      var series = {};
      monthlySeries(sel).forEach(function (r) {
        var s = series[r.activity] || (series[r.activity] = { workouts: 0, months: new Map() });
        s.workouts += r.workouts;
        s.months.set(Number(r.month.slice(0, 4)) * 100 + Number(r.month.slice(5)), r.workouts);
      });
      return Object.keys(series).map(function (a) {
        var index = FNS.seasonalIndex(series[a].months), peakIndex = Math.max.apply(null, index), peakMonth = index.indexOf(peakIndex) + 1;
        return { activity: dims.activity[a], category: dims.category[a], workouts: series[a].workouts, peakMonth: peakMonth, peakIndex: peakIndex, highSeason: FNS.highSeason(index, peakMonth, params.highSeasonShare), seasonalIndex: index };
      }).sort(function (a, b) { return b.workouts - a.workouts; });
  }
  Object.assign(BUILDERS, {
    seasonalIndex: function (sel, params) {
      return BUILDERS.seasons(sel, params).reduce(function (rows, a) {
        return rows.concat(a.seasonalIndex.map(function (v, m) { return { activity_type: a.activity, month: params.shortMonths[m], month_number: m + 1, seasonal_index: v }; }));
      }, []);
    },
    seasonTable: function (sel, params) {
      return BUILDERS.seasons(sel, params).map(function (a) {
        return { activity: a.activity, category: a.category, workouts: a.workouts, peak_month: params.months[a.peakMonth - 1], high_season: monthList(a.highSeason, params), peak_index: a.peakIndex };
      });
    },
    bands: function (sel) {
      var registered = customers(sel, "age"), mix = activityMix(sel, "age");
      return engagement(sel, "age").map(function (r) {
        var counts = mix(r.index), top = counts.indexOf(Math.max.apply(null, counts));
        return { age_band: dims.age[r.index], users: registered[r.index], active_users: r.active_users, workouts_per_user_month: r.workouts_per_user_month, mean_minutes: r.mean_minutes, top_activity: dims.activity[top] };
      });
    },
    bandMix: function (sel) { return mixRows(sel, "age", "age_band"); },
    segmentMix: function (sel) { return mixRows(sel, "segment", "segment"); },
    heat: function (sel, params) {
      var counts = hourCounts(sel, "all", true)(0), rows = [];
      for (var d = 0; d < 7; d++) for (var h = 0; h < 24; h++) if (counts[d * 24 + h] > 0) rows.push({ weekday: params.weekdays[d], weekday_number: d + 1, hour: h, workouts: counts[d * 24 + h] });
      return rows;
    },
    segmentHours: function (sel) {
      var counts = hourCounts(sel, "segment", false), rows = [];
      for (var s = 1; s < dims.segment.length; s++) {
        var profile = hourProfile(counts(s));
        if (profile.workouts) profile.hourShare.forEach(function (share, hour) { rows.push({ segment: dims.segment[s], hour: hour, share: share }); });
      }
      return rows;
    },
    hoursTable: function (sel) {
      var counts = hourCounts(sel, "segment", false), all = hourCounts(sel, "all", false)(0), rows = [];
      var row = function (name, p) { return { segment: name, workouts: p.workouts, peak_hours: p.peakHours.map(hourLabel).join(", "), best_hour: hourLabel(p.peakHours[0]), share_at_best_hour: p.hourShare[p.peakHours[0]] }; };
      var overall = hourProfile(all);
      if (!overall.workouts) return [];
      rows.push(row("All users", overall));
      for (var s = 1; s < dims.segment.length; s++) { var p = hourProfile(counts(s)); if (p.workouts) rows.push(row(dims.segment[s], p)); }
      return rows;
    },
    monthlySales: function (sel) {
      var byMonth = salesByMonth(sel), months = Object.keys(byMonth).sort(), rows = [];
      dims.line.forEach(function (category, l) {
        months.forEach(function (month) { var units = byMonth[month][2 * l]; if (units) rows.push({ category: category, month: month, units: units }); });
      });
      return rows;
    },
    salesSeasons: function (sel, params) {
      return salesPerLine(sel, params).reduce(function (rows, r) {
        var sales = FNS.monthIndex(r.months), activity = FNS.monthIndex(workoutsPerCalendarMonth(sel, r.line.category));
        return rows.concat(sales.map(function (index, m) {
          return { category: r.line.category, month: params.shortMonths[m], month_number: m + 1, sales_index: index, activity_index: activity[m], activity_peak: r.line.activity_peak_month === m + 1 };
        }));
      }, []);
    },
    salesTable: function (sel, params) {
      return salesPerLine(sel, params).slice().sort(function (a, b) { return b.cents - a.cents; }).map(function (r) {
        return { category: r.line.category, units: r.units, revenue: round(r.cents / 100, 2), sales_peak: r.line.sales_peak, activity_peak: r.line.activity_peak, lead_weeks: r.line.lead_weeks };
      });
    },
    segmentSizes: function (sel, params) {
      var rows = engagement(sel, "segment").filter(function (r) { return r.index > 0; });
      var total = rows.reduce(function (n, r) { return n + r.active_users; }, 0);
      return rows.sort(function (a, b) { return b.active_users - a.active_users; }).map(function (r) {
        var name = dims.segment[r.index];
        return Object.assign({}, params.profiles[name] || {}, { segment: name, users: r.active_users, share: round(r.active_users / total, 3), workouts_per_week: r.workouts_per_week });
      });
    },
  });
  function monthList(months, params) { return months.map(function (m) { return params.shortMonths[m - 1]; }).join("–"); }
  function mixRows(sel, by, field) {
    var mix = activityMix(sel, by), rows = [];
    engagement(sel, by).forEach(function (r) {
      if (by === "segment" && r.index === 0) return;
      var counts = mix(r.index);
      counts.map(function (n, a) { return { n: n, a: a }; }).filter(function (c) { return c.n > 0; }).sort(function (x, y) { return y.n - x.n; }).forEach(function (c) {
        var row = {}; row[field] = dims[by][r.index]; row.activity = dims.activity[c.a]; row.share = round(c.n / r.workouts, 4); rows.push(row);
      });
    });
    return rows;
  }

  // ---- headline figures by name ----
  var FIGURES = {
    workouts: function (sel) { var t = engagement(sel, "all")[0]; return t ? fmt.int(t.workouts) : "0"; },
    appUsers: function (sel) {
      var t = engagement(sel, "all")[0], c = customers(sel, "all")[0], users = t ? t.active_users : 0;
      return fmt.int(users) + " of " + fmt.int(c) + " customers (" + fmt.pct(c ? round(users / c, 4) : 0) + ")";
    },
    workoutsPerUserWeek: function (sel) { var t = engagement(sel, "all")[0]; return t ? fmt.dec(t.workouts_per_week, 2) : "—"; },
    workoutsPerUserMonth: function (sel) { var t = engagement(sel, "all")[0]; return t ? fmt.dec(t.workouts_per_user_month, 2) : "—"; },
    hoursTrained: function (sel) { var t = engagement(sel, "all")[0]; return fmt.int(t ? t.minutes / 60 : 0); },
    period: function (sel) { return sel.first ? sel.first + " – " + sel.last : "—"; },
    mostEngagedState: function (sel, params) { var top = states(sel, params)[0]; return top && top.rank === 1 ? top.state_name : "—"; },
    mostActiveAgeBand: function (sel) {
      var rows = engagement(sel, "age").sort(function (a, b) { return b.workouts_per_user_month - a.workouts_per_user_month; });
      return rows.length ? dims.age[rows[0].index] : "—";
    },
    peakHour: function (sel) { var p = hourProfile(hourCounts(sel, "all", false)(0)); return p.workouts ? hourLabel(p.peakHours[0]) : "—"; },
    busiestDay: function (sel, params) {
      var counts = hourCounts(sel, "all", true)(0), days = [];
      for (var d = 0; d < 7; d++) days.push(counts.slice(d * 24, d * 24 + 24).reduce(function (a, b) { return a + b; }, 0));
      var max = Math.max.apply(null, days);
      return max > 0 ? params.weekdays[days.indexOf(max)] : "—";
    },
    activitiesTracked: function (sel, params) { return String(BUILDERS.seasons(sel, params).length); },
    biggestSeason: function (sel, params) {
      var top = BUILDERS.seasons(sel, params).sort(function (a, b) { return b.peakIndex - a.peakIndex; })[0];
      return top ? top.activity + ", " + monthList(top.highSeason, params) : "—";
    },
    segmentCount: function (sel) { return String(engagement(sel, "segment").filter(function (r) { return r.index > 0; }).length); },
    unitsSold: function (sel, params) { return fmt.int(salesTotal(sel, params).units); },
    revenue: function (sel, params) { return fmt.int(salesTotal(sel, params).cents / 100); },
    largestSegment: function (sel, params) { var top = BUILDERS.segmentSizes(sel, params)[0]; return top ? top.segment + " (" + fmt.pct(top.share) + ")" : "—"; },
  };

  // ---- the page ----
  function describe(f, sel) {
    var parts = [];
    if (f.dates) parts.push(f.dates === "months" ? (f.from === f.to ? f.from : f.from + " to " + f.to) + " (" + sel.first + " – " + sel.last + ")" : PRESETS[f.dates].toLowerCase() + " (" + sel.first + " – " + sel.last + ")");
    if (f.state) parts.push(dims.stateName[dims.state.indexOf(f.state)] || f.state);
    if (f.activity) parts.push(f.activity);
    if (f.age) parts.push("age " + f.age);
    if (f.segment) parts.push("segment " + f.segment);
    return parts.join(", ");
  }
  function option(value, label, current) { var o = document.createElement("option"); o.value = value; o.textContent = label; o.selected = value === (current || ""); return o; }
  function select(name, label, values, labels, current) {
    var wrap = document.createElement("label"), s = document.createElement("select");
    wrap.textContent = label + " "; s.name = name;
    values.forEach(function (v, i) { s.appendChild(option(v, labels[i], current)); });
    wrap.appendChild(s);
    return wrap;
  }
  var months = periods.map(function (p) { return p.month; }).filter(function (m, i, all) { return all.indexOf(m) === i; });
  function renderControls(f) {
    var form = document.getElementById("filters");
    form.textContent = "";
    var presetKeys = Object.keys(PRESETS);
    form.appendChild(select("dates", "Dates", presetKeys.map(function (k) { return k === "all" ? "" : k; }), presetKeys.map(function (k) { return PRESETS[k]; }), f.dates));
    if (f.dates === "months") {
      form.appendChild(select("from", "From", months, months, f.from));
      form.appendChild(select("to", "To", months, months, f.to));
    }
    var stateOrder = dims.state.map(function (s, i) { return i; }).sort(function (a, b) { return dims.stateName[a] < dims.stateName[b] ? -1 : 1; });
    form.appendChild(select("state", "State", [""].concat(stateOrder.map(function (i) { return dims.state[i]; })), ["All states"].concat(stateOrder.map(function (i) { return dims.stateName[i]; })), f.state));
    form.appendChild(select("activity", "Activity", [""].concat(dims.activity), ["All activities"].concat(dims.activity), f.activity));
    form.appendChild(select("age", "Age band", [""].concat(dims.age), ["All ages"].concat(dims.age), f.age));
    var segments = dims.segment.slice(1);
    form.appendChild(select("segment", "Segment", [""].concat(segments), ["All segments"].concat(segments), f.segment));
    var chips = document.getElementById("filter-chips");
    chips.textContent = "";
    ["dates", "state", "activity", "age", "segment"].forEach(function (k) {
      if (!f[k]) return;
      var b = document.createElement("button");
      b.type = "button"; b.className = "chip"; b.dataset.filter = k;
      b.textContent = (k === "dates" ? (f.dates === "months" ? (f.from === f.to ? f.from : f.from + " – " + f.to) : PRESETS[f.dates]) : LABELS[k] + ": " + f[k]) + " ×";
      b.setAttribute("aria-label", "Remove the filter " + b.textContent.slice(0, -2));
      chips.appendChild(b);
    });
  }
  function onControl(event) {
    var f = readHash(), t = event.target;
    if (t.name === "dates") { delete f.from; delete f.to; if (t.value) f.dates = t.value; else delete f.dates; if (t.value === "months") { f.from = periods[0].month; f.to = periods[periods.length - 1].month; } }
    else if (t.value) f[t.name] = t.value; else delete f[t.name];
    if (f.from && f.to && f.from > f.to) { if (t.name === "from") f.to = f.from; else f.from = f.to; }
    setFilter(f);
  }
  function onChip(event) {
    var k = event.target.dataset && event.target.dataset.filter;
    if (!k) return;
    var f = readHash();
    delete f[k];
    if (k === "dates") { delete f.from; delete f.to; }
    setFilter(f);
  }
  /** A click on a mark filters by the field its chart declares (a state, an age band, a segment, a month). */
  function onMark(chartId, click) {
    return function (event, item) {
      var datum = item && item.datum;
      if (!datum || datum[click.field] == null) return;
      var f = readHash(), value = datum[click.field];
      if (click.filter === "month") {
        var month = typeof value === "string" ? value.slice(0, 7) : new Date(value).toISOString().slice(0, 7);
        f.dates = "months"; f.from = month; f.to = month;
      } else f[click.filter] = String(value);
      setFilter(f);
    };
  }

  var views = {};
  /** What the page showed as built (all data): restored when the last filter is removed. */
  var original = { cards: {}, csv: {}, rows: {}, table: null };
  var specs = JSON.parse(document.getElementById("chart-specs").textContent);
  function toCsv(rows) {
    if (!rows.length) return "";
    var columns = Object.keys(rows[0]);
    var field = function (v) { if (v == null) return ""; var s = String(v); return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; };
    return [columns.map(field).join(",")].concat(rows.map(function (r) { return columns.map(function (c) { return field(r[c]); }).join(","); })).join("\r\n") + "\r\n";
  }
  function cellOf(v) {
    var td = document.createElement("td");
    if (typeof v === "number") { td.className = "num"; td.textContent = format(0, 3).format(v); } else td.textContent = v == null ? "" : String(v);
    return td;
  }
  function renderTable(rows) {
    var body = document.querySelector("main table tbody");
    if (!body) return;
    if (!original.table) original.table = body.cloneNode(true);
    if (!rows) { body.replaceWith(original.table.cloneNode(true)); return; }
    var columns = [].map.call(body.parentNode.querySelectorAll("thead th"), function (th, i) { return i; });
    var keys = rows.length ? Object.keys(rows[0]) : [];
    body.textContent = "";
    rows.forEach(function (r) { var tr = document.createElement("tr"); columns.forEach(function (i) { tr.appendChild(cellOf(r[keys[i]])); }); body.appendChild(tr); });
  }

  /** The filtered totals, from the cubes the page has: units sold and revenue, where it has sales; workouts (and active users, where it counts them). */
  function totalsSentence(sel) {
    if (!cubes.sales) return workoutsSentence(sel);
    var t = salesTotal(sel, PAGE.params);
    return fmt.int(t.units) + " units sold (" + fmt.int(t.cents / 100) + " in revenue); " + workoutsSentence(sel);
  }
  function workoutsSentence(sel) {
    var workouts = 0;
    if (cubes.workouts) { var sums = workoutSums(sel).byProfile; for (var i = 0; i < sums.length; i += 2) workouts += sums[i]; }
    else hourGrid(sel).forEach(function (n) { workouts += n; });
    if (!workouts) return "no workouts.";
    if (!cubes.users) return fmt.int(workouts) + " workouts.";
    var t = engagement(sel, "all")[0];
    return fmt.int(t.workouts) + " workouts by " + fmt.int(t.active_users) + " active users, " + fmt.dec(t.workouts_per_user_month, 2) + " workouts per user per month.";
  }

  /** A note shown while a filter holds, made once as the last child of `parent`. */
  function filterNote(parent, text, filtered) {
    var note = [].find.call(parent.children, function (c) { return c.className === "filter-note" && c.textContent === text; });
    if (!note) { note = document.createElement("p"); note.className = "filter-note"; note.textContent = text; parent.appendChild(note); }
    note.hidden = !filtered;
  }
  /** Headline figures the page does not filter say so while a filter holds, and so do the parts of charts and the table that show all data (the page's notes). */
  function markUnfilteredFigures(filtered) {
    var declared = PAGE.figures.map(function (fig) { return fig.label; });
    document.querySelectorAll(".cards li").forEach(function (li) {
      if (declared.indexOf(li.querySelector(".label").textContent) < 0) filterNote(li, "All data: the filters do not apply.", filtered);
    });
    Object.keys(PAGE.notes || {}).forEach(function (id) {
      var target = id === "table" ? document.querySelector("main table") : document.getElementById("chart-" + id);
      if (target) filterNote(target.parentNode, PAGE.notes[id], filtered);
    });
  }
  /** Charts the page does not filter say so while a filter holds; on the summary, so do their leads (the others' leads are hidden). */
  function markUnfiltered(filtered) {
    document.querySelectorAll("main .chart").forEach(function (chart) {
      var declared = !!PAGE.charts[chart.id.slice("chart-".length)], figure = chart.parentNode;
      var lead = figure.parentNode.querySelector("p.lead");
      if (lead) lead.hidden = filtered && declared;
      if (!declared) filterNote(figure, "This chart shows all data: the filters do not apply to it.", filtered);
    });
  }

  var first = true;
  function redraw() {
    var started = performance.now();
    var f = readHash(), filtered = Object.keys(f).length > 0, sel = selection(f);
    renderControls(f);
    document.querySelectorAll("header nav a, main a[data-page-link]").forEach(function (a) { a.href = a.href.replace(/#.*$/, "") + hashOf(f); });
    var narrative = document.getElementById("filter-narrative");
    narrative.hidden = !filtered;
    narrative.textContent = filtered ? "Filtered to " + describe(f, sel) + ": " + totalsSentence(sel) + " The figures, charts, tables and CSV downloads below follow this filter, except where one says it shows all data." : "";
    document.querySelectorAll("main .narrative").forEach(function (unfiltered) { unfiltered.hidden = filtered; });
    markUnfiltered(filtered);
    markUnfilteredFigures(filtered);
    PAGE.figures.forEach(function (fig) {
      var card = [].find.call(document.querySelectorAll(".cards li"), function (li) { return li.querySelector(".label").textContent === fig.label; });
      if (!card) return;
      var value = card.querySelector(".value");
      if (!(fig.label in original.cards)) original.cards[fig.label] = value.textContent;
      value.textContent = filtered ? FIGURES[fig.figure](sel, PAGE.params) : original.cards[fig.label];
    });
    if (PAGE.table) renderTable(filtered ? BUILDERS[PAGE.table](sel, PAGE.params) : null);
    var pending = Object.keys(PAGE.charts).map(function (id) {
      var chart = PAGE.charts[id], view = views[id];
      var rows = filtered ? BUILDERS[chart.rows](sel, PAGE.params) : specs[id].datasets.rows;
      if (!filtered && first) return null; // as built
      var figure = document.getElementById("chart-" + id).parentNode, link = figure.querySelector("figcaption a[download]"), count = figure.querySelector(".row-count");
      if (link) {
        if (!(id in original.csv)) original.csv[id] = link.getAttribute("href");
        link.setAttribute("href", filtered ? "data:text/csv;charset=utf-8," + encodeURIComponent(toCsv(rows)) : original.csv[id]);
      }
      if (count) count.textContent = fmt.int(rows.length);
      window.NIKE_CHART_ROWS[id] = rows;
      // Each view gets rows of its own: Vega stamps the objects it holds.
      return view ? view.change("rows", vega.changeset().remove(vega.truthy).insert(rows.map(function (r) { return Object.assign({}, r); }))).runAsync() : null;
    });
    first = false;
    document.documentElement.dataset.computeMs = (performance.now() - started).toFixed(1);
    return Promise.all(pending).then(function () {
      document.documentElement.dataset.redrawMs = (performance.now() - started).toFixed(1);
      document.documentElement.dataset.filter = location.hash;
      document.dispatchEvent(new CustomEvent("nike:filtered"));
    });
  }

  window.NIKE_CHART_ROWS = {};
  Promise.all([window.NIKE_CHARTS_READY, Promise.all(PAGE.cubes.map(function (name) { return unpack(DATA.cubes[name]).then(function (c) { cubes[name] = c; }); }))]).then(function (results) {
    views = results[0] || {};
    Object.keys(PAGE.clicks || {}).forEach(function (id) { if (views[id]) views[id].addEventListener("click", onMark(id, PAGE.clicks[id])); });
    var form = document.getElementById("filters");
    form.addEventListener("change", onControl);
    document.getElementById("filter-chips").addEventListener("click", onChip);
    window.addEventListener("hashchange", redraw);
    return redraw();
  }).catch(function (error) { console.error("The filters could not start: " + error.message); });
})();
