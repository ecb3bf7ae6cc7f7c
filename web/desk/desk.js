// The front desk: one location's day (therapists, rooms and cupping kits against the clock), the
// bookings waiting for a review, and time off. Staff sign in with their own account (email and
// password, POST /staff/sessions at the catalog); the session token lives in this tab's sessionStorage
// only (never localStorage, never a URL) and goes to all three APIs as `Authorization: Bearer`. It is
// renewed shortly before it ends while the page is open; a 401 anywhere means it is no longer good and
// brings back the sign-in form. What the page offers follows the account's role: a front desk account
// works at its own locations, a therapist sees its own day and the reviews of its own visits, an admin
// sees everything. "Today" is the API's (GET /day without a date), never the browser's clock. The page
// refreshes itself every 10 seconds and after every action.

import { api, ApiError, bearer, NetworkError } from "/common/api.js";
import { announce, h, showFieldErrors } from "/common/dom.js";
import { formatDay, formatTime, lang, languageSwitch, onLanguageChange, setupI18n, t } from "/common/i18n.js";
import { strings } from "/desk/strings.js";

const SESSION_STORAGE = "clinic.desk.session"; // {token, endsAt, lifetime, account}
const LOCATION_STORAGE = "clinic.desk.location";
const POLL_MS = 10_000;
const REFRESH_LEAD_MS = 90_000; // renew the token this long before it ends (a third of a shorter lifetime)
const REFRESH_RETRY_MS = 15_000; // the catalog did not answer a renewal: ask again this soon
const KIND_HEADINGS = { therapist: "therapists", room: "rooms", cupping_kit: "cuppingKits" };
const REVIEW_OUTCOMES = new Set(["review", "refer"]);

const $ = (id) => document.getElementById(id);

const state = {
  session: readSession(), // null when signed out
  refreshTimer: null,
  location: "",
  date: "", // YYYY-MM-DD, the day shown
  view: null, // the last GET /day answer
  reviews: [],
  reviewCards: new Map(), // booking id -> {version, card}
  treatments: new Map(), // slug -> name
  therapists: [],
  updatedAt: null,
  busy: false,
  timeOffDateChosen: false, // the time-off date follows the day shown until staff pick one
  detail: null, // {id, firstName, focusKey, booking, answers, notice, mode}
  timer: null,
};

// ---- small helpers --------------------------------------------------------------------------------

const staff = () => bearer(state.session?.token);
const account = () => state.session?.account ?? null;
const isTherapist = () => account()?.role === "therapist";
// Time off is entered by the front desk and admins; a therapist's account has no such controls.
const mayEnterTimeOff = () => ["admin", "front_desk"].includes(account()?.role);
const pad = (n) => String(n).padStart(2, "0");
const timeZone = () => state.view?.timezone || "Europe/Berlin";

function addDays(day, n) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

// How far `timeZone` is ahead of UTC at `instant`, in minutes.
function offsetMinutes(instant, zone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).formatToParts(instant).map((part) => [part.type, part.value]),
  );
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second);
  return Math.round((wall - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
}

// A wall-clock time on a day in the location's zone, as ISO 8601 with its offset ("2026-03-10T09:00:00+01:00").
function localIso(day, hhmm, zone) {
  const [y, m, d] = day.split("-").map(Number);
  const [hours, minutes] = hhmm.split(":").map(Number);
  const wall = Date.UTC(y, m - 1, d, hours, minutes);
  let offset = offsetMinutes(new Date(wall), zone);
  offset = offsetMinutes(new Date(wall - offset * 60000), zone);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${day}T${pad(hours)}:${pad(minutes)}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const percent = (fraction) =>
  new Intl.NumberFormat(lang(), { style: "percent", maximumFractionDigits: 0 }).format(Number(fraction) || 0);

const dayName = (day) => formatDay(`${day}T12:00:00Z`, "UTC");
const statusText = (status) => t(`status_${status}`);
const treatmentName = (value) => state.treatments.get(value) || value || "";

// What to tell staff about a failed call: the API's own message when it has one. A 403 says the
// account may not do this (it stays signed in); a 401 never gets here (handleUnauthorised).
function problem(error) {
  if (error instanceof NetworkError) return t("networkError");
  if (error instanceof ApiError) {
    const detail = error.body?.detail;
    if (error.status === 403) return detail && typeof detail === "string" ? t("forbiddenDetail", { detail }) : t("forbidden");
    if (typeof detail === "string" && detail) return detail;
    if (error.status === 404) return t("notFound");
    return t("genericError", { status: error.status });
  }
  return t("genericError", { status: "?" });
}

function showNotice(el, message) {
  el.textContent = message || "";
  el.hidden = !message;
}

// A 401 anywhere means the sign-in is no longer good (ended, refused, account disabled): back to the
// sign-in form, saying so.
function handleUnauthorised(error) {
  if (error instanceof ApiError && error.status === 401) {
    if (state.session) signOut(t("sessionEnded"));
    return true;
  }
  return false;
}

// Focus survives a re-render: elements that can hold focus carry data-focus keys.
function focusedKey() {
  return document.activeElement?.closest?.("[data-focus]")?.dataset.focus ?? null;
}

function restoreFocus(key) {
  if (!key) return;
  const el = document.querySelector(`[data-focus="${CSS.escape(key)}"]`);
  if (el && document.activeElement !== el) el.focus({ preventScroll: true });
}

// ---- signing in and out ---------------------------------------------------------------------------

function readSession() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SESSION_STORAGE) || "null");
    return saved?.token && saved?.account && Number.isFinite(saved.endsAt) ? saved : null;
  } catch {
    return null;
  }
}

// The token's lifetime from its own claims (exp - iat), counted from when it arrived on this browser's
// clock: a browser clock that is off does not end (or stretch) the session. Falls back to expires_at.
function tokenLifetimeMs(token, expiresAt, receivedAt) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "=")));
    if (Number.isFinite(claims.exp) && Number.isFinite(claims.iat) && claims.exp > claims.iat) return (claims.exp - claims.iat) * 1000;
  } catch {
    // not a JWT we can read: use the API's expires_at
  }
  return Math.max(0, Date.parse(expiresAt) - receivedAt);
}

// POST /staff/sessions and /refresh answer {token, token_type, expires_at, account}.
function keepSession(answer, receivedAt) {
  const lifetime = tokenLifetimeMs(answer.token, answer.expires_at, receivedAt);
  state.session = { token: answer.token, endsAt: receivedAt + lifetime, lifetime, account: answer.account };
  sessionStorage.setItem(SESSION_STORAGE, JSON.stringify(state.session));
  scheduleRefresh();
}

const sessionLeftMs = () => (state.session ? state.session.endsAt - Date.now() : 0);
const refreshLeadMs = () => Math.min(REFRESH_LEAD_MS, (state.session?.lifetime ?? 0) / 3);

function scheduleRefresh(delay) {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = null;
  if (!state.session) return;
  const wait = delay ?? Math.max(1000, sessionLeftMs() - refreshLeadMs());
  state.refreshTimer = setTimeout(refreshSession, wait);
}

let renewal = null;
const rights = (signedIn) => JSON.stringify([signedIn?.role, signedIn?.locations ?? [], signedIn?.therapist ?? null]);

// A new token for the one we hold, while it still holds; the catalog refuses (401) a disabled account.
function refreshSession() {
  if (!state.session) return Promise.resolve();
  if (sessionLeftMs() <= 0) {
    signOut(t("sessionExpired"));
    return Promise.resolve();
  }
  renewal ??= (async () => {
    const token = state.session.token;
    try {
      const answer = await api("catalog", "/staff/sessions/refresh", { method: "POST", headers: bearer(token) });
      if (state.session?.token === token) {
        const before = rights(state.session.account);
        keepSession(answer, Date.now());
        showWho();
        // An admin changed the account's role or locations meanwhile: the desk follows the new token.
        if (rights(answer.account) !== before) enterDesk();
      }
    } catch (error) {
      if (state.session?.token !== token) return;
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) signOut(t("sessionEnded"));
      else if (sessionLeftMs() > 0) scheduleRefresh(Math.min(REFRESH_RETRY_MS, Math.max(1000, sessionLeftMs() - 1000)));
      else signOut(t("sessionExpired"));
    } finally {
      renewal = null;
    }
  })();
  return renewal;
}

// Timers sleep in a hidden tab: coming back, an ended session signs out, a nearly ended one renews.
function onVisible() {
  if (document.hidden || !state.session) return;
  if (sessionLeftMs() <= 0) signOut(t("sessionExpired"));
  else if (sessionLeftMs() <= refreshLeadMs()) refreshSession();
  else {
    scheduleRefresh();
    refresh();
  }
}

function showSignInError(message, focus = true) {
  const notice = $("sign-in-error");
  showNotice(notice, message);
  if (message && focus) notice.focus();
}

async function signIn(event) {
  event.preventDefault();
  const form = $("sign-in-form");
  const fields = { email: $("staff-email"), password: $("staff-password") };
  const button = $("sign-in-button");
  showSignInError("");
  const missing = [];
  if (!fields.email.value.trim()) missing.push({ field: "email", problem: t("emailMissing") });
  if (!fields.password.value) missing.push({ field: "password", problem: t("passwordMissing") });
  showFieldErrors(form, missing, fields);
  if (missing.length) {
    fields[missing[0].field].focus();
    return;
  }
  const body = { email: fields.email.value.trim(), password: fields.password.value };
  let answer;
  button.disabled = true;
  try {
    answer = await api("catalog", "/staff/sessions", { method: "POST", body });
  } catch (error) {
    fields.password.value = "";
    const left = error instanceof ApiError && error.status === 422 ? showFieldErrors(form, error.errors, fields) : [];
    showSignInError(signInProblem(error, left)); // an alert, and focused: read out once
    return;
  } finally {
    button.disabled = false;
  }
  fields.password.value = "";
  showFieldErrors(form, [], fields);
  keepSession(answer, Date.now());
  announce(t("signedIn", { name: answer.account.name }));
  await enterDesk();
  $("day").focus();
}

// The sign-in form's own messages: the API's words for wrong details; how long to wait when refused for
// too many tries.
function signInProblem(error, fieldErrorsLeft) {
  if (!(error instanceof ApiError)) return problem(error);
  const detail = typeof error.body?.detail === "string" ? error.body.detail : "";
  if (error.status === 401) return detail || t("signInWrong");
  if (error.status === 429) {
    // The API's message names the limit and usually when to try again; Retry-After says it if not.
    const said = detail || t("tooManyTries");
    const wait = error.retryAfter;
    return wait === null || said.includes(String(wait)) ? said : `${said} ${t("retryAfter", { seconds: wait })}`;
  }
  if (error.status === 422 && error.errors.length && !fieldErrorsLeft.length) return t("signInCheckFields");
  return problem(error);
}

function signOut(message) {
  state.session = null;
  sessionStorage.removeItem(SESSION_STORAGE);
  sessionStorage.removeItem(LOCATION_STORAGE);
  clearTimeout(state.refreshTimer);
  state.refreshTimer = null;
  clearInterval(state.timer);
  state.timer = null;
  dayRequest++; // an answer still on its way is for a desk no longer shown
  state.view = null;
  state.date = "";
  state.reviews = [];
  state.reviewCards.clear();
  state.therapists = [];
  if ($("detail").open) $("detail").close();
  state.detail = null;
  $("grid").replaceChildren();
  $("my-day").replaceChildren();
  $("reviews").replaceChildren();
  $("desk").hidden = true;
  $("sign-out").hidden = true;
  $("who").hidden = true;
  $("sign-in").hidden = false;
  showSignInError(message || "", false);
  announce(message || t("signedOut"));
  if (message) $("sign-in-error").focus();
  else $("staff-email").focus();
}

// "Signed in as Maria Vogel (front desk)".
function showWho() {
  const who = $("who");
  const signedIn = account();
  who.hidden = !signedIn;
  who.textContent = signedIn ? t("signedInAs", { name: signedIn.name, role: t(`role_${signedIn.role}`) }) : "";
}

async function enterDesk() {
  const therapist = isTherapist();
  dayRequest++; // whatever was on its way belongs to the desk as it was
  const shownDay = state.date; // a desk entered again (the account changed) stays on its day
  state.date = "";
  state.view = null;
  state.reviews = [];
  state.reviewCards.clear();
  $("grid").replaceChildren();
  $("my-day").replaceChildren();
  $("reviews").replaceChildren();
  $("day-title").textContent = "";
  $("day-utilisation").textContent = "";
  $("updated").textContent = "";
  showNotice($("desk-error"), "");
  $("sign-in").hidden = true;
  $("desk").hidden = false;
  $("sign-out").hidden = false;
  showWho();
  // A therapist sees its own day, wherever it works: no location to pick, no grid, no time off.
  $("location-field").hidden = therapist;
  $("location-field").closest(".controls").classList.toggle("own-day", therapist);
  $("grid").hidden = therapist;
  $("day-utilisation").hidden = therapist;
  $("my-day").hidden = !therapist;
  $("time-off-section").hidden = !mayEnterTimeOff();
  $("reviews-title").dataset.i18n = therapist ? "myReviewsTitle" : "reviewsTitle";
  $("reviews-title").textContent = t($("reviews-title").dataset.i18n);
  await Promise.all([therapist ? null : loadLocations(), loadTreatments()]);
  if (!state.session) return; // signed out meanwhile (a 401)
  if (!therapist && !state.location) {
    showNotice($("desk-error"), t("noLocations"));
    $("time-off-therapist").replaceChildren();
  } else {
    await loadDay(shownDay || null); // null: today, as the API says
    if (mayEnterTimeOff()) loadTherapists();
  }
  clearInterval(state.timer);
  state.timer = setInterval(() => {
    if (document.hidden || !state.session) return;
    if (sessionLeftMs() <= 0) signOut(t("sessionExpired"));
    else refresh();
  }, POLL_MS);
}

// ---- what the catalog says ----------------------------------------------------------------------

// The locations this account works at: all for an admin, its own (account.locations) for the front desk.
async function loadLocations() {
  const select = $("location");
  const signedIn = account();
  const own = signedIn?.role === "admin" ? null : new Set(signedIn?.locations ?? []);
  let locations;
  try {
    locations = (await api("catalog", "/locations")).filter((loc) => !own || own.has(loc.code));
  } catch (error) {
    showNotice($("desk-error"), problem(error));
    locations = [...(own ?? [])].map((code) => ({ code, name: code })); // their codes, until the catalog answers
  }
  select.replaceChildren(...locations.map((loc) => h("option", { value: loc.code }, loc.name)));
  const saved = sessionStorage.getItem(LOCATION_STORAGE);
  state.location = locations.some((loc) => loc.code === saved) ? saved : (locations[0]?.code ?? "");
  select.value = state.location;
}

async function loadTreatments() {
  try {
    const treatments = await api("catalog", "/treatments");
    state.treatments = new Map(treatments.map((treatment) => [treatment.slug, treatment.name]));
  } catch {
    // names fall back to what the day view says
  }
}

async function loadTherapists() {
  const select = $("time-off-therapist");
  let therapists = [];
  try {
    const all = await api("catalog", "/therapists", { headers: staff() });
    therapists = all.filter(
      (one) => one.active && (one.location === state.location || one.weekly_hours.some((w) => w.location === state.location)),
    );
  } catch (error) {
    if (handleUnauthorised(error)) return;
    therapists = (state.view?.rows ?? []).filter((row) => row.kind === "therapist");
  }
  state.therapists = therapists.map((one) => ({ code: one.code, name: one.name }));
  const chosen = select.value;
  select.replaceChildren(...state.therapists.map((one) => h("option", { value: one.code }, one.name)));
  if (state.therapists.some((one) => one.code === chosen)) select.value = chosen;
}

// ---- the day ---------------------------------------------------------------------------------------

let dayRequest = 0;

async function loadDay(day) {
  if (isTherapist()) return loadTherapistDay(day);
  showNotice($("desk-error"), "");
  const asked = ++dayRequest;
  try {
    const [view, reviews] = await Promise.all([
      api("booking", "/day", { headers: staff(), query: { date: day ?? undefined, location: state.location } }),
      api("booking", "/reviews", { headers: staff(), query: { location: state.location } }),
    ]);
    if (asked !== dayRequest) return; // a later question (another day or location) answers instead
    const newDay = view.date !== state.date || view.location !== state.view?.location;
    state.view = view;
    state.date = view.date;
    state.reviews = reviews;
    state.updatedAt = new Date();
    $("day").value = view.date;
    if (!$("time-off-date").value || !state.timeOffDateChosen) $("time-off-date").value = view.date;
    render();
    if (newDay) showFirstBooking();
  } catch (error) {
    if (asked !== dayRequest || handleUnauthorised(error)) return;
    showNotice($("desk-error"), problem(error));
  }
}

// A therapist's own day (GET /schedule/therapist/<its code>) and the reviews of its own visits (the
// booking API lists only those for a therapist). Its "today" is the booking API's too: GET /availability
// without a date says which day it is at the therapist's location, and in which time zone.
async function loadTherapistDay(day) {
  showNotice($("desk-error"), "");
  const asked = ++dayRequest;
  const signedIn = account();
  try {
    let date = day;
    let zone = state.view?.timezone;
    if (!date || !zone) {
      // Any location of the clinic gives the day: the account's first, else the catalog's first.
      const location = signedIn.locations?.[0] ?? (await api("catalog", "/locations"))[0]?.code;
      const today = await api("booking", "/availability", {
        headers: staff(), // staff are not counted against the clients' availability limit
        query: { treatment: state.treatments.keys().next().value, location },
      });
      date ??= today.date;
      zone = today.timezone;
    }
    const [schedule, reviews] = await Promise.all([
      api("booking", `/schedule/therapist/${encodeURIComponent(signedIn.therapist ?? "")}`, { headers: staff(), query: { date } }),
      api("booking", "/reviews", { headers: staff() }),
    ]);
    if (asked !== dayRequest) return;
    state.view = { date: schedule.date, timezone: zone, location: null, bookings: schedule.bookings };
    state.date = schedule.date;
    state.reviews = reviews;
    state.updatedAt = new Date();
    $("day").value = schedule.date;
    render();
  } catch (error) {
    if (asked !== dayRequest || handleUnauthorised(error)) return;
    showNotice($("desk-error"), problem(error));
  }
}

// On a narrow screen, a new day opens scrolled to its first booking (a refresh leaves the scroll alone).
function showFirstBooking() {
  const scroller = $("grid");
  if (scroller.scrollWidth <= scroller.clientWidth) return;
  const lefts = [...scroller.querySelectorAll(".block")].map((block) => block.offsetLeft);
  scroller.scrollLeft = lefts.length ? Math.max(0, Math.min(...lefts) - 16) : 0;
}

// The same day again, quietly: focus and scroll stay where they are.
async function refresh() {
  if (state.busy || !state.session || (!isTherapist() && !state.location)) return;
  state.busy = true;
  try {
    await loadDay(state.date || null); // no day yet (the first answer failed): today
  } finally {
    state.busy = false;
  }
}

function render() {
  renderDay();
  renderReviews();
}

function renderDay() {
  const view = state.view;
  if (!view) return;
  const zone = view.timezone;
  if (isTherapist()) {
    $("day-title").textContent = t("myDayHeading", { day: dayName(view.date) });
    $("updated").textContent = state.updatedAt ? t("updated", { time: formatTime(state.updatedAt.toISOString(), zone) }) : "";
    renderMyDay(view);
    return;
  }
  $("day-title").textContent = dayName(view.date);
  $("day-utilisation").textContent = t("dayUtilisation", { percent: percent(view.utilisation) });
  $("updated").textContent = state.updatedAt ? t("updated", { time: formatTime(state.updatedAt.toISOString(), zone) }) : "";
  renderGrid(view);
}

// A therapist's visits that day, in order: time, treatment, room, status (the booking API's schedule
// carries no client name; the reviews below say whom a review is for).
function renderMyDay(view) {
  const zone = view.timezone;
  const visits = [...view.bookings].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  if (!visits.length) {
    $("my-day").replaceChildren(h("p", { class: "muted" }, t("myDayEmpty")));
    return;
  }
  $("my-day").replaceChildren(
    h("ol", { class: "visits" }, visits.map((visit) =>
      h("li", { class: "card visit", dataset: { booking: visit.id, status: visit.status } },
        h("span", { class: "visit-time" }, `${formatTime(visit.start, zone)}–${formatTime(visit.end, zone)}`),
        h("span", { class: "visit-treatment" }, treatmentName(visit.treatment)),
        h("span", { class: "muted" }, visit.room_name || visit.room || ""),
        h("span", { class: `badge status-${visit.status}` }, statusText(visit.status))))),
  );
}

// The time axis: from opening to closing (whole hours), widened to any booking outside them.
function axis(view) {
  const instants = [];
  if (view.opens) instants.push(new Date(view.opens).getTime());
  if (view.closes) instants.push(new Date(view.closes).getTime());
  for (const row of view.rows) {
    for (const booking of row.bookings) instants.push(new Date(booking.start).getTime(), new Date(booking.end).getTime());
  }
  if (instants.length < 2) {
    instants.push(new Date(localIso(view.date, "08:00", view.timezone)).getTime());
    instants.push(new Date(localIso(view.date, "20:00", view.timezone)).getTime());
  }
  const hour = 3600_000;
  // Whole hours of the location's clock (offsets are whole or half hours: round on the local wall clock).
  const first = Math.min(...instants);
  const last = Math.max(...instants);
  const firstOffset = offsetMinutes(new Date(first), view.timezone) * 60000;
  const start = Math.floor((first + firstOffset) / hour) * hour - firstOffset;
  const end = Math.max(start + hour, Math.ceil((last + firstOffset) / hour) * hour - firstOffset);
  return { start, end };
}

function renderGrid(view) {
  const scroller = $("grid");
  const keep = focusedKey();
  const scrollLeft = scroller.scrollLeft;
  const zone = view.timezone;
  const { start, end } = axis(view);
  const span = end - start;
  const place = (el, from, to) => {
    const left = Math.max(0, (from - start) / span) * 100;
    const right = Math.min(1, (to - start) / span) * 100;
    el.style.left = `${left}%`;
    el.style.width = `${Math.max(right - left, 0.5)}%`;
  };
  const hours = Math.round(span / 3600_000);
  const marks = [];
  for (let i = 0; i < hours; i++) { // a mark at each hour's start; the closing edge is the grid's end
    const at = new Date(start + i * 3600_000);
    const mark = h("span", { class: "hour-mark" }, formatTime(at.toISOString(), zone));
    mark.style.left = `${(i / hours) * 100}%`;
    marks.push(mark);
  }
  const parts = [];
  if (!view.opens) parts.push(h("p", { class: "notice" }, t("closed")));
  const scale = h("div", { class: "grid-row scale", "aria-hidden": "true" },
    h("div", { class: "row-name" }), h("div", { class: "track scale-track" }, marks), h("div", { class: "row-util" }));
  const groups = [];
  for (const row of view.rows) {
    let group = groups.find((g) => g.kind === row.kind);
    if (!group) groups.push((group = { kind: row.kind, rows: [] }));
    group.rows.push(row);
  }
  if (!groups.length) parts.push(h("p", { class: "muted" }, t("noRows")));
  const table = h("div", { class: "grid" }, scale);
  table.style.setProperty("--hours", String(hours));
  for (const group of groups) {
    const headingId = `group-${group.kind}`;
    table.append(
      h("div", { class: "group", role: "group", "aria-labelledby": headingId },
        h("h3", { id: headingId, class: "group-heading" }, t(KIND_HEADINGS[group.kind] ?? "otherResources")),
        group.rows.map((row) => gridRow(row, zone, place))),
    );
  }
  parts.push(table);
  scroller.replaceChildren(...parts);
  scroller.scrollLeft = scrollLeft;
  restoreFocus(keep);
}

function gridRow(row, zone, place) {
  const track = h("div", { class: "track" });
  if (row.available_minutes === 0) track.classList.add("unavailable");
  for (const booking of row.bookings) {
    const from = formatTime(booking.start, zone);
    const to = formatTime(booking.end, zone);
    const treatment = treatmentName(booking.treatment);
    const status = booking.status;
    const label = t("blockLabel", { name: booking.client_first_name, treatment, from, to, status: statusText(status) });
    const block = h(
      "button",
      {
        type: "button",
        class: `block status-${status}`,
        "aria-label": label,
        title: label,
        dataset: { focus: `block:${booking.id}:${row.kind}:${row.code}`, booking: booking.id, status },
        onclick: () => openDetail(booking, `block:${booking.id}:${row.kind}:${row.code}`),
      },
      h("span", { class: "block-name" }, booking.client_first_name),
      h("span", { class: "block-treatment" }, treatment),
      h("span", { class: "block-time" }, `${from}–${to}`),
      status === "confirmed" ? null : h("span", { class: "block-status" }, statusText(status)),
    );
    place(block, new Date(booking.start).getTime(), new Date(booking.end).getTime());
    track.append(block);
  }
  const util = h(
    "div",
    { class: "row-util", title: t("rowMinutes", { booked: row.booked_minutes, available: row.available_minutes }) },
    h("span", { "aria-hidden": "true" }, percent(row.utilisation)),
    h("span", { class: "row-minutes muted", "aria-hidden": "true" }, `${row.booked_minutes}/${row.available_minutes} min`),
    h("span", { class: "visually-hidden" }, `${t("rowUtilisation", { percent: percent(row.utilisation) })}, ${t("rowMinutes", { booked: row.booked_minutes, available: row.available_minutes })}`),
  );
  return h("div", { class: "grid-row", dataset: { kind: row.kind, code: row.code } },
    h("div", { class: "row-name" }, row.name), track, util);
}

// ---- one booking's details and what staff can do with it -----------------------------------------

async function openDetail(dayBooking, focusKey) {
  state.detail = { id: dayBooking.id, firstName: dayBooking.client_first_name, focusKey, booking: null, answers: null, notice: null, mode: null };
  const dialog = $("detail");
  $("detail-body").replaceChildren(h("p", { class: "muted" }, t("loading")));
  if (!dialog.open) dialog.showModal();
  await loadDetail();
}

async function loadDetail() {
  const detail = state.detail;
  try {
    detail.booking = await api("booking", `/bookings/${encodeURIComponent(detail.id)}`, { headers: staff() });
    detail.answers = null;
    if (detail.booking.screening) {
      try {
        detail.answers = await api("booking", `/bookings/${encodeURIComponent(detail.id)}/answers`, { headers: staff() });
      } catch {
        detail.answers = null; // erased or never kept
      }
    }
  } catch (error) {
    if (handleUnauthorised(error)) return;
    detail.notice = { kind: "bad", text: problem(error) };
  }
  if (state.detail === detail) renderDetail();
}

function renderDetail() {
  const detail = state.detail;
  if (!detail) return;
  const body = $("detail-body");
  const keep = focusedKey();
  const booking = detail.booking;
  const parts = [];
  if (detail.notice) {
    parts.push(h("p", { class: `notice ${detail.notice.kind}`, role: detail.notice.kind === "bad" ? "alert" : null }, detail.notice.text));
  }
  if (booking) {
    const zone = timeZone();
    const fact = (term, value) => [h("dt", {}, term), h("dd", {}, value || t("none"))];
    parts.push(
      h("dl", { class: "facts" },
        fact(t("client"), detail.firstName),
        fact(t("treatment"), treatmentName(booking.treatment)),
        fact(t("time"), `${formatDay(booking.start, zone)}, ${formatTime(booking.start, zone)}–${formatTime(booking.end, zone)}`),
        fact(t("status"), h("span", { class: `badge status-${booking.status}`, dataset: { bookingStatus: booking.status } }, statusText(booking.status))),
        fact(t("therapist"), booking.therapist_name || booking.therapist),
        fact(t("room"), booking.room_name || booking.room),
        booking.cupping_kit ? fact(t("kit"), booking.cupping_kit_name || booking.cupping_kit) : null,
        booking.screening ? fact(t("screening"), t(`screening_${booking.screening}`)) : null,
        booking.reason ? fact(t("reason"), booking.reason) : null),
    );
    if (detail.answers) parts.push(answersList(detail.answers));
    parts.push(detailActions(booking));
  }
  body.replaceChildren(...parts);
  restoreFocus(keep);
}

function detailActions(booking) {
  const id = booking.id;
  const mode = state.detail.mode;
  if (mode === "cancel" || mode === "decline") {
    return reasonForm({
      idPrefix: `detail-${mode}`,
      label: t(mode === "cancel" ? "cancelReason" : "declineReason"),
      submit: t(mode === "cancel" ? "confirmCancel" : "confirmDecline"),
      onSubmit: (reason, form, input) =>
        detailAction(mode === "cancel" ? `/bookings/${id}/cancel` : `/bookings/${id}/decline`, { reason },
          mode === "cancel" ? "done_cancelled" : "done_declined", form, input),
      onBack: () => {
        state.detail.mode = null;
        renderDetail();
        $("detail-body").querySelector(`[data-focus="detail:${mode}"]`)?.focus();
      },
    });
  }
  const buttons = [];
  if (booking.status === "needs_review") {
    buttons.push(h("button", { type: "button", dataset: { focus: "detail:approve" }, onclick: () => detailAction(`/bookings/${id}/approve`, undefined, "done_approved") }, t("approve")));
    buttons.push(h("button", { type: "button", class: "secondary", dataset: { focus: "detail:decline" }, onclick: () => switchMode("decline") }, t("decline")));
  }
  if (booking.status === "confirmed") {
    buttons.push(h("button", { type: "button", dataset: { focus: "detail:completed" }, onclick: () => detailAction(`/bookings/${id}/completed`, undefined, "done_completed") }, t("markCompleted")));
    buttons.push(h("button", { type: "button", class: "secondary", dataset: { focus: "detail:no-show" }, onclick: () => detailAction(`/bookings/${id}/no-show`, undefined, "done_no_show") }, t("markNoShow")));
  }
  if (["pending", "confirmed", "needs_review"].includes(booking.status)) {
    buttons.push(h("button", { type: "button", class: "danger", dataset: { focus: "detail:cancel" }, onclick: () => switchMode("cancel") }, t("cancelBooking")));
  }
  return h("div", { class: "actions" },
    h("div", { class: "row" }, buttons),
    booking.status === "confirmed" ? h("p", { class: "muted" }, t("afterStartHint")) : null);
}

function switchMode(mode) {
  state.detail.mode = mode;
  state.detail.notice = null;
  renderDetail();
  $(`detail-${mode}-reason`)?.focus();
}

async function detailAction(path, body, doneKey, form, input) {
  const detail = state.detail;
  try {
    detail.booking = await api("booking", path, { method: "POST", body, headers: staff() });
    detail.mode = null;
    detail.notice = { kind: "good", text: t(doneKey) };
    announce(t(doneKey));
  } catch (error) {
    if (handleUnauthorised(error)) return;
    if (form && error instanceof ApiError && error.errors.length) {
      const left = showFieldErrors(form, error.errors, { reason: input, body: input });
      if (!left.length) return;
    }
    detail.notice = { kind: "bad", text: problem(error) };
    announce(problem(error));
  }
  if (state.detail !== detail) return;
  renderDetail();
  $("detail-body").querySelector(".notice")?.setAttribute("tabindex", "-1");
  $("detail-body").querySelector(".notice")?.focus();
  refresh();
}

// A labelled reason field with a submit and a back button (decline, cancel).
function reasonForm({ idPrefix, label, submit, onSubmit, onBack }) {
  const input = h("input", { id: `${idPrefix}-reason`, name: "reason", type: "text", maxlength: "500", required: true, autocomplete: "off" });
  const form = h("form", { class: "reason-form", novalidate: true },
    h("div", { class: "field" }, h("label", { for: input.id }, label), input),
    h("div", { class: "row" },
      h("button", { type: "submit", class: "danger" }, submit),
      h("button", { type: "button", class: "secondary", onclick: onBack }, t("back"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = input.value.trim();
    if (!reason) {
      showFieldErrors(form, [{ field: "reason", problem: t("reasonRequired") }], { reason: input });
      input.focus();
      return;
    }
    onSubmit(reason, form, input);
  });
  return form;
}

// The answers that need a look first, then every answer folded away (the list is long).
function answersList(answers) {
  if (!answers?.answers?.length) return h("p", { class: "muted" }, t("noAnswers"));
  const language = lang();
  const flagged = answers.answers.filter((answer) => REVIEW_OUTCOMES.has(answer.outcome));
  const list = (items) =>
    h("dl", {}, items.flatMap((answer) => [
      h("dt", {}, answer.text?.[language] || answer.text?.en || answer.question),
      h("dd", { class: REVIEW_OUTCOMES.has(answer.outcome) ? "flagged" : null },
        answer.label?.[language] || answer.label?.en || answer.answer,
        REVIEW_OUTCOMES.has(answer.outcome) ? h("strong", { class: "flag" }, ` (${t("answerNeedsLook")})`) : null),
    ]));
  return h("div", { class: "answers" },
    h("h3", {}, t("answers")),
    flagged.length ? list(flagged) : h("p", { class: "muted" }, t("noFlaggedAnswers")),
    h("details", {}, h("summary", {}, t("allAnswers", { count: answers.answers.length })), list(answers.answers)));
}

function closeDetail() {
  const key = state.detail?.focusKey;
  state.detail = null;
  if ($("detail").open) $("detail").close();
  restoreFocus(key);
}

// ---- reviews ------------------------------------------------------------------------------------------

function renderReviews() {
  const container = $("reviews");
  const keep = focusedKey();
  if (!state.reviews.length) {
    state.reviewCards.clear();
    container.replaceChildren(h("p", { class: "muted" }, t("noReviews")));
    restoreFocus(keep);
    return;
  }
  const cards = state.reviews.map((review) => {
    const known = state.reviewCards.get(review.id);
    if (known && known.version === review.version && known.lang === lang()) return known.card;
    const card = reviewCard(review);
    state.reviewCards.set(review.id, { version: review.version, lang: lang(), card });
    return card;
  });
  const ids = new Set(state.reviews.map((review) => review.id));
  for (const id of [...state.reviewCards.keys()]) if (!ids.has(id)) state.reviewCards.delete(id);
  const current = [...container.children];
  if (current.length !== cards.length || current.some((el, i) => el !== cards[i])) container.replaceChildren(...cards);
  restoreFocus(keep);
}

function reviewCard(review) {
  const zone = timeZone();
  const headingId = `review-${review.id}-title`;
  const error = h("p", { class: "notice bad", role: "alert", hidden: true });
  const actions = h("div", { class: "row" });
  const card = h("article", { class: "card review", "aria-labelledby": headingId, dataset: { booking: review.id } },
    h("h3", { id: headingId }, t("reviewFor", {
      treatment: treatmentName(review.treatment), day: formatDay(review.start, zone), time: formatTime(review.start, zone),
    })),
    error,
    h("dl", { class: "facts" },
      h("dt", {}, t("client")), h("dd", { class: "client-name" }, review.client_name),
      h("dt", {}, t("therapist")), h("dd", {}, review.therapist_name || review.therapist || t("none"))),
    review.answers ? answersList(review.answers) : h("p", { class: "muted" }, t("noAnswers")),
    actions);
  const act = async (path, body, doneKey, form, input) => {
    try {
      await api("booking", path, { method: "POST", body, headers: staff() });
    } catch (failure) {
      if (handleUnauthorised(failure)) return;
      if (form && failure instanceof ApiError && failure.errors.length) {
        const left = showFieldErrors(form, failure.errors, { reason: input });
        if (!left.length) return;
      }
      showNotice(error, problem(failure));
      announce(problem(failure));
      return;
    }
    announce(t(doneKey));
    refresh();
  };
  const buttons = () => [
    h("button", { type: "button", dataset: { focus: `review:${review.id}:approve` }, onclick: () => act(`/bookings/${review.id}/approve`, undefined, "done_approved") }, t("approve")),
    h("button", { type: "button", class: "secondary", dataset: { focus: `review:${review.id}:decline` }, onclick: showDecline }, t("decline")),
  ];
  function showDecline() {
    const form = reasonForm({
      idPrefix: `review-${review.id}-decline`,
      label: t("declineReason"),
      submit: t("confirmDecline"),
      onSubmit: (reason, f, input) => act(`/bookings/${review.id}/decline`, { reason }, "done_declined", f, input),
      onBack: () => {
        actions.replaceChildren(...buttons());
        actions.querySelector(`[data-focus="review:${review.id}:decline"]`)?.focus();
      },
    });
    actions.replaceChildren(form);
    form.querySelector("input").focus();
  }
  actions.replaceChildren(...buttons());
  return card;
}

// ---- time off -------------------------------------------------------------------------------------------

async function saveTimeOff(event) {
  event.preventDefault();
  const form = $("time-off-form");
  const notice = $("time-off-error");
  showNotice(notice, "");
  const fields = { therapist: $("time-off-therapist"), date: $("time-off-date"), start: $("time-off-from"), end: $("time-off-to"), note: $("time-off-note") };
  const code = fields.therapist.value;
  const day = fields.date.value;
  const whole = $("time-off-whole-day").checked;
  const local = [];
  if (!code) local.push({ field: "therapist", problem: t("timeOffTherapist") });
  if (!day) local.push({ field: "date", problem: t("timeOffDate") });
  if (!whole && (!fields.start.value || !fields.end.value)) local.push({ field: fields.start.value ? "end" : "start", problem: t("timeOffTimes") });
  if (!whole && fields.start.value && fields.end.value && fields.end.value <= fields.start.value) local.push({ field: "end", problem: t("timeOffOrder") });
  showFieldErrors(form, local, fields);
  if (local.length) {
    fields[local[0].field].focus();
    return;
  }
  const zone = timeZone();
  const body = {
    start: localIso(day, whole ? "00:00" : fields.start.value, zone),
    end: whole ? localIso(addDays(day, 1), "00:00", zone) : localIso(day, fields.end.value, zone),
    note: fields.note.value.trim(),
  };
  try {
    await api("catalog", `/therapists/${encodeURIComponent(code)}/time-off`, { method: "POST", body, headers: staff() });
  } catch (error) {
    if (handleUnauthorised(error)) return;
    const left = error instanceof ApiError ? showFieldErrors(form, error.errors, fields) : [];
    if (!(error instanceof ApiError) || left.length || !error.errors.length) showNotice(notice, problem(error));
    announce(problem(error));
    return;
  }
  const name = state.therapists.find((one) => one.code === code)?.name ?? code;
  announce(t("timeOffSaved", { name }));
  showNotice(notice, "");
  fields.note.value = "";
  // Booking hears of it through the catalog's event: look again shortly, then on the usual beat.
  refresh();
  setTimeout(refresh, 1500);
  setTimeout(refresh, 4000);
}

function toggleWholeDay() {
  const whole = $("time-off-whole-day").checked;
  $("time-off-from").disabled = whole;
  $("time-off-to").disabled = whole;
}

// ---- wiring ---------------------------------------------------------------------------------------------

function start() {
  setupI18n(strings);
  document.title = t("pageTitle");
  languageSwitch($("language"));
  onLanguageChange(() => {
    document.title = t("pageTitle");
    showWho();
    state.reviewCards.clear();
    if (state.view) render();
    if (state.detail) renderDetail();
  });
  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", () => signOut(null));
  $("day-form").addEventListener("submit", (event) => event.preventDefault());
  $("location").addEventListener("change", () => {
    state.location = $("location").value;
    sessionStorage.setItem(LOCATION_STORAGE, state.location);
    state.reviewCards.clear();
    loadDay(state.date);
    loadTherapists();
  });
  $("day").addEventListener("change", () => {
    if ($("day").value) loadDay($("day").value);
  });
  $("previous-day").addEventListener("click", () => state.date && loadDay(addDays(state.date, -1)));
  $("next-day").addEventListener("click", () => state.date && loadDay(addDays(state.date, 1)));
  $("today").addEventListener("click", () => loadDay(null));
  $("time-off-form").addEventListener("submit", saveTimeOff);
  $("time-off-whole-day").addEventListener("change", toggleWholeDay);
  $("time-off-date").addEventListener("change", () => {
    state.timeOffDateChosen = true;
  });
  $("detail-close").addEventListener("click", closeDetail);
  $("detail").addEventListener("cancel", (event) => {
    event.preventDefault();
    closeDetail();
  });
  document.addEventListener("visibilitychange", onVisible);
  sessionStorage.removeItem("clinic.desk.key"); // the shared staff key of old: never kept again
  if (state.session && sessionLeftMs() > 0) {
    // A reload keeps the tab's session: renew it now if it is nearly over, else when due.
    if (sessionLeftMs() <= refreshLeadMs()) refreshSession();
    else scheduleRefresh();
    enterDesk();
  } else if (state.session) {
    signOut(t("sessionExpired"));
  } else {
    $("sign-in").hidden = false;
  }
}

start();
