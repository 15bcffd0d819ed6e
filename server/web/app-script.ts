/**
 * @module The Inspire web app's script. It runs in the browser and is never imported: `app-page.ts`
 * compiles it to JavaScript and inlines it in the page at `/app` (allowed by its hash). It calls the
 * API with the session cookie, which is HttpOnly, so the page never sees the token; the readable CSRF
 * cookie says a session exists.
 */
import type { goalsView } from "../goals.ts";
import type { TodaysInspiration } from "../inspiration/today.ts";

type Goals = ReturnType<typeof goalsView>;
type Activity = { started_at: string; activity_type: string; duration_min: number };
type City = { city: string; region: string };

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
/** A form's input or select by name. */
const field = (form: HTMLFormElement, name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
const csrf = () => (document.cookie.match(/(?:^|; )inspire_csrf=([^;]+)/) || [])[1];
function say(message: string, kind?: "ok" | "error") { const s = $("status"); s.textContent = message; s.className = kind || ""; }
async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const token = csrf();
  if (method !== "GET" && token) headers["x-csrf-token"] = token;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data: unknown = response.status === 204 ? null : await response.json();
  if (!response.ok) {
    if (response.status === 401 && csrf()) logout(true);
    const failure = data as { error?: { message?: string } } | null;
    throw new Error(failure && failure.error ? failure.error.message : "Request failed (" + response.status + ")");
  }
  return data as T;
}
const failed = (error: unknown) => say(error instanceof Error ? error.message : String(error), "error");
function show() {
  const signedIn = Boolean(csrf());
  for (const el of document.querySelectorAll<HTMLElement>("[data-when]")) el.classList.toggle("hidden", (el.dataset.when === "in") !== signedIn);
  $("logout").classList.toggle("hidden", !signedIn);
  if (signedIn) { loadGoals(); refresh(); }
}
function logout(expired?: boolean) { document.cookie = "inspire_csrf=; Max-Age=0; Path=/"; show(); if (expired) say("Your session ended: please log in again.", "error"); }
/** A form's fields by name: these forms have no file inputs, and an unticked box is absent. */
function formData(form: HTMLFormElement) { return Object.fromEntries(new FormData(form).entries()) as Partial<Record<string, string>>; }
/** Fills the goals form from the server, once per sign-in, so that a later refresh never overwrites what the user is typing. */
async function loadGoals() {
  try {
    const goals = await api<Goals>("GET", "/v1/me/goals");
    const g = $<HTMLFormElement>("goals-form");
    const { notifications } = goals;
    field(g, "goal_type").value = goals.goal_type; field(g, "target").value = String(goals.target_workouts_per_week); field(g, "channel").value = notifications.channel;
    field(g, "time_zone").value = notifications.time_zone; field(g, "preferred_hour").value = String(notifications.preferred_hour ?? "");
    field(g, "quiet_start").value = String(notifications.quiet_hours ? notifications.quiet_hours.start : 22); field(g, "quiet_end").value = String(notifications.quiet_hours ? notifications.quiet_hours.end : 7);
    const preferred: readonly string[] = goals.preferred_activities;
    for (const box of g.querySelectorAll<HTMLInputElement>("input[name=preferred]")) box.checked = preferred.includes(box.value);
    g.dataset.loaded = "true";
  } catch (error) { failed(error); }
}
const item = (textContent: string, className?: string) => Object.assign(document.createElement("li"), className ? { textContent, className } : { textContent });
async function refresh() {
  try {
    const [inspiration, activities] = await Promise.all([api<TodaysInspiration>("GET", "/v1/me/inspiration"), api<{ items: Activity[] }>("GET", "/v1/me/activities?limit=10")]);
    $("workout").textContent = inspiration.workout.duration_min + " min of " + inspiration.workout.activity + " · " + inspiration.workout.intensity;
    $("quote").textContent = inspiration.quote ? "“" + inspiration.quote.text + "” — " + inspiration.quote.author : "";
    $("why").replaceChildren(...inspiration.why.map((w) => item(w)));
    $("segment").textContent = inspiration.segment ? "Your segment: " + inspiration.segment.name : "";
    $("recent").replaceChildren(...(activities.items.length ? activities.items.map((a) => item(new Date(a.started_at).toLocaleString() + " — " + a.activity_type + ", " + a.duration_min + " min")) : [item("No workouts yet.", "muted")]));
  } catch (error) { failed(error); }
}
$("signup-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const f = formData(event.target as HTMLFormElement);
  const [city, region] = (f.city ?? "").split("|");
  const body: Record<string, unknown> = { name: f.name, email: f.email, password: f.password, date_of_birth: f.date_of_birth, city, region, shopping_preference: f.shopping_preference, consent: { email: Boolean(f.consent_email), sms: Boolean(f.consent_sms) } };
  if (f.phone) body.phone = f.phone;
  try {
    await api("POST", "/v1/users", body);
    await api("POST", "/app/session", { email: f.email, password: f.password });
    say("Welcome! Set your goals below.", "ok"); show();
  } catch (error) { failed(error); }
});
$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const f = formData(event.target as HTMLFormElement);
  try {
    await api("POST", "/app/session", { email: f.email, password: f.password });
    say("Logged in.", "ok"); show();
  } catch (error) { failed(error); }
});
$("goals-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const g = event.target as HTMLFormElement;
  const preferredHour = field(g, "preferred_hour").value;
  const body = {
    goal_type: field(g, "goal_type").value, target_workouts_per_week: Number(field(g, "target").value),
    preferred_activities: [...g.querySelectorAll<HTMLInputElement>("input[name=preferred]:checked")].map((b) => b.value),
    notifications: { channel: field(g, "channel").value, time_zone: field(g, "time_zone").value, quiet_hours: { start: Number(field(g, "quiet_start").value), end: Number(field(g, "quiet_end").value) }, preferred_hour: preferredHour === "" ? null : Number(preferredHour) },
  };
  try { await api("PUT", "/v1/me/goals", body); say("Goals saved.", "ok"); refresh(); } catch (error) { failed(error); }
});
$("activity-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const a = event.target as HTMLFormElement;
  // The time was entered on this device's clock, so the workout happened in this device's zone.
  const body: Record<string, unknown> = { activity_type: field(a, "activity_type").value, started_at: new Date(field(a, "started_at").value).toISOString(), time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone, duration_min: Number(field(a, "duration_min").value) };
  const distance = field(a, "distance_km").value;
  if (distance) body.distance_km = Number(distance);
  try { await api("POST", "/v1/me/activities", body); say("Workout logged.", "ok"); refresh(); } catch (error) { failed(error); }
});
$("send").addEventListener("click", async () => {
  try { const r = await api<{ queued: boolean; channel: string }>("POST", "/v1/me/inspiration/send"); say(r.queued ? "On its way by " + r.channel + "." : "Already sent today by " + r.channel + ".", "ok"); } catch (error) { failed(error); }
});
$("export").addEventListener("click", async () => {
  try {
    const data = await api("GET", "/v1/me/export");
    const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" })), download: "inspire-export.json" });
    link.click(); say("Your data was downloaded.", "ok");
  } catch (error) { failed(error); }
});
$("erase").addEventListener("click", async () => {
  if (!confirm("Delete your account and every record of it? This cannot be undone.")) return;
  try { await api("DELETE", "/v1/me"); logout(); say("Your account and data were deleted.", "ok"); } catch (error) { failed(error); }
});
$("logout").addEventListener("click", async () => { try { await api("DELETE", "/v1/sessions/current"); } catch {} logout(); say("Logged out.", "ok"); });
(async () => {
  const local = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  field($<HTMLFormElement>("activity-form"), "started_at").value = local;
  try {
    const { cities } = await api<{ cities: City[] }>("GET", "/v1/cities");
    $("city").replaceChildren(...cities.map((c) => Object.assign(document.createElement("option"), { value: c.city + "|" + c.region, textContent: c.city + ", " + c.region })));
  } catch (error) { failed(error); }
  show();
})();
