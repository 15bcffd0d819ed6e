/**
 * @module The Inspire web app at `/app`: one server-rendered page and a small script that calls the
 * API (app-script.ts, compiled when the server starts: no build step). Sign up, log in, goals and
 * notifications, log a workout, today's inspiration, recent workouts, export or delete my data. Works
 * on a phone-sized screen.
 */
import { readFileSync } from "node:fs";
import { transformSync } from "esbuild";
import { contentSecurityPolicy } from "../../lib/content-security.ts";
import { html, raw } from "../../lib/html.ts";
import { ACTIVITY_NAMES, GOALS } from "../../domain/vocabulary.ts";

const option = (value: string, label = value) => html`<option value="${value}">${label}</option>`;
const TIME_ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "UTC"];

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#111827;background:#f3f4f6}
header{background:#111827;color:#fff;padding:.75rem 1rem;display:flex;justify-content:space-between;align-items:center;gap:.5rem}
header h1{font-size:1.2rem;margin:0}main{max-width:720px;margin:0 auto;padding:1rem}
section{background:#fff;border-radius:10px;padding:1rem;margin-bottom:1rem;box-shadow:0 1px 2px rgba(0,0,0,.06)}
h2{margin:0 0 .75rem;font-size:1.1rem}label{display:block;margin:.5rem 0 .2rem;font-weight:600;font-size:.9rem}
input,select{width:100%;padding:.55rem;border:1px solid #d1d5db;border-radius:6px;font:inherit;background:#fff}
fieldset{border:1px solid #e5e7eb;border-radius:6px;margin:.75rem 0;padding:.5rem .75rem}legend{font-weight:600;font-size:.9rem}
.check{display:flex;align-items:center;gap:.4rem;font-weight:400}.check input{width:auto}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:.5rem}
button{margin-top:.75rem;padding:.6rem 1rem;border:0;border-radius:6px;background:#ea580c;color:#fff;font:inherit;font-weight:600;cursor:pointer}
button.secondary{background:#374151}button.danger{background:#b91c1c}button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #fb923c;outline-offset:1px}
#status{min-height:1.5rem;margin:0 0 1rem;font-weight:600}#status.error{color:#b91c1c}#status.ok{color:#15803d}
.card{border-left:5px solid #ea580c}.workout{font-size:1.3rem;font-weight:700}blockquote{margin:.75rem 0;padding-left:.75rem;border-left:3px solid #d1d5db;color:#374151}
ul.plain{list-style:none;padding:0;margin:0}ul.plain li{padding:.4rem 0;border-bottom:1px solid #f3f4f6}.hidden{display:none}.muted{color:#6b7280;font-size:.9rem}
`;

/**
 * The page's one script: app-script.ts (checked by `tsc` with the rest of the project), compiled to
 * JavaScript once, when the server starts. The policy hashes exactly this text. (The file is named
 * without `./`, which bin/compiled.mjs would rewrite to `.js` as it does for imports.)
 */
const SCRIPT = transformSync(readFileSync(new URL("app-script.ts", import.meta.url), "utf8"), { loader: "ts", format: "iife", target: "es2022" }).code;

/** The page's policy: its one inline script by hash, nothing else inline but styles. */
export const APP_POLICY = contentSecurityPolicy([SCRIPT]);

export function appPage(): string {
  const activities = ACTIVITY_NAMES;
  const hours = Array.from({ length: 24 }, (_, h) => option(String(h), `${String(h).padStart(2, "0")}:00`));
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Inspire</title><link rel="icon" href="data:,"><style>${raw(STYLE)}</style></head>
<body>
<header><h1>Inspire</h1><button id="logout" class="secondary hidden" type="button">Log out</button></header>
<main>
<p id="status" role="status" aria-live="polite"></p>

<section data-when="out" aria-labelledby="signup-h"><h2 id="signup-h">Sign up</h2>
<form id="signup-form">
<label for="su-name">Name</label><input id="su-name" name="name" autocomplete="name" required maxlength="128">
<label for="su-email">E-mail</label><input id="su-email" name="email" type="email" autocomplete="email" required>
<label for="su-password">Password (10 characters or more)</label><input id="su-password" name="password" type="password" autocomplete="new-password" minlength="10" required>
<div class="grid"><div><label for="su-dob">Date of birth</label><input id="su-dob" name="date_of_birth" type="date" required></div>
<div><label for="city">City</label><select id="city" name="city" required></select></div></div>
<div class="grid"><div><label for="su-phone">Phone (optional, for SMS)</label><input id="su-phone" name="phone" type="tel" placeholder="+13035550123" autocomplete="tel"></div>
<div><label for="su-shopping">I shop</label><select id="su-shopping" name="shopping_preference">${option("Both", "In store and online")}${option("In-Store", "In store")}${option("Online")}</select></div></div>
<fieldset><legend>Messages</legend>
<label class="check"><input type="checkbox" name="consent_email" value="1"> Send me my daily inspiration by e-mail</label>
<label class="check"><input type="checkbox" name="consent_sms" value="1"> Send it by SMS (needs a phone number)</label></fieldset>
<button type="submit">Create account</button></form></section>

<section data-when="out" aria-labelledby="login-h"><h2 id="login-h">Log in</h2>
<form id="login-form"><label for="li-email">E-mail</label><input id="li-email" name="email" type="email" autocomplete="email" required>
<label for="li-password">Password</label><input id="li-password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button></form></section>

<section data-when="in" class="card hidden" aria-labelledby="today-h"><h2 id="today-h">Today's inspiration</h2>
<p class="workout" id="workout"></p><blockquote id="quote"></blockquote><ul id="why" class="muted"></ul><p id="segment" class="muted"></p>
<button id="send" type="button">Send it to me now</button></section>

<section data-when="in" class="hidden" aria-labelledby="log-h"><h2 id="log-h">Log a workout</h2>
<form id="activity-form"><div class="grid">
<div><label for="ac-type">Activity</label><select id="ac-type" name="activity_type">${activities.map((a) => option(a))}</select></div>
<div><label for="ac-start">Started</label><input id="ac-start" name="started_at" type="datetime-local" required></div>
<div><label for="ac-duration">Minutes</label><input id="ac-duration" name="duration_min" type="number" min="1" max="1440" value="30" required></div>
<div><label for="ac-distance">Distance (km, optional)</label><input id="ac-distance" name="distance_km" type="number" min="0" step="0.1"></div>
</div><button type="submit">Log workout</button></form></section>

<section data-when="in" class="hidden" aria-labelledby="recent-h"><h2 id="recent-h">Recent workouts</h2><ul id="recent" class="plain"></ul></section>

<section data-when="in" class="hidden" aria-labelledby="goals-h"><h2 id="goals-h">Goals and notifications</h2>
<form id="goals-form"><div class="grid">
<div><label for="gl-goal">Goal</label><select id="gl-goal" name="goal_type">${GOALS.map((g) => option(g, g.replaceAll("_", " ")))}</select></div>
<div><label for="gl-target">Workouts per week</label><input id="gl-target" name="target" type="number" min="0" max="21" value="3"></div></div>
<fieldset><legend>Preferred activities</legend><div class="grid">${activities.map((a) => html`<label class="check"><input type="checkbox" name="preferred" value="${a}"> ${a}</label>`)}</div></fieldset>
<div class="grid">
<div><label for="gl-channel">Send by</label><select id="gl-channel" name="channel">${option("email", "E-mail")}${option("sms", "SMS")}${option("none", "Do not send")}</select></div>
<div><label for="gl-tz">Time zone</label><select id="gl-tz" name="time_zone">${TIME_ZONES.map((z) => option(z))}</select></div>
<div><label for="gl-hour">Preferred hour</label><select id="gl-hour" name="preferred_hour"><option value="">My segment's best hour</option>${hours}</select></div>
<div><label for="gl-qs">Quiet from</label><select id="gl-qs" name="quiet_start">${hours}</select></div>
<div><label for="gl-qe">Quiet until</label><select id="gl-qe" name="quiet_end">${hours}</select></div>
</div><button type="submit">Save goals</button></form></section>

<section data-when="in" class="hidden" aria-labelledby="data-h"><h2 id="data-h">My data</h2>
<p class="muted">Download everything Inspire holds about you, or delete your account from every system.</p>
<button id="export" class="secondary" type="button">Export my data</button> <button id="erase" class="danger" type="button">Delete my account</button></section>
</main>
<script>${raw(SCRIPT)}</script>
</body></html>`.toString();
}
