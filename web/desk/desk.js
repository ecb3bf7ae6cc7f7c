// The front desk: one location's day (therapists, rooms and cupping kits against the clock), the
// bookings waiting for a review, and time off. Staff sign in with the staff API key; it is kept in
// sessionStorage only and sent as X-API-Key. "Today" is the API's (GET /day without a date), never
// the browser's clock. The page refreshes itself every 10 seconds and after every action.

import { api, ApiError, NetworkError } from "/common/api.js";
import { announce, h, showFieldErrors } from "/common/dom.js";
import { formatDay, formatTime, lang, languageSwitch, onLanguageChange, setupI18n, t } from "/common/i18n.js";
import { strings } from "/desk/strings.js";

const KEY_STORAGE = "clinic.desk.key";
const POLL_MS = 10_000;
const KIND_HEADINGS = { therapist: "therapists", room: "rooms", cupping_kit: "cuppingKits" };
const REVIEW_OUTCOMES = new Set(["review", "refer"]);

const $ = (id) => document.getElementById(id);

const state = {
  key: sessionStorage.getItem(KEY_STORAGE) || "",
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

const staff = () => ({ "X-API-Key": state.key });
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

// What to tell staff about a failed call: the API's own message when it has one.
function problem(error) {
  if (error instanceof NetworkError) return t("networkError");
  if (error instanceof ApiError) {
    const detail = error.body?.detail;
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

// A 401 anywhere means the key is no longer (or never was) good: back to the sign-in form.
function handleUnauthorised(error) {
  if (error instanceof ApiError && error.status === 401) {
    signOut(t("keyInvalid"));
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

async function signIn(event) {
  event.preventDefault();
  const input = $("staff-key");
  const key = input.value.trim();
  showNotice($("sign-in-error"), "");
  if (!key) {
    showNotice($("sign-in-error"), t("keyMissing"));
    input.focus();
    return;
  }
  try {
    await api("booking", "/reviews", { headers: { "X-API-Key": key } });
  } catch (error) {
    const message = error instanceof ApiError && error.status === 401 ? t("keyInvalid") : problem(error);
    showNotice($("sign-in-error"), message);
    input.setAttribute("aria-invalid", "true");
    input.focus();
    announce(message);
    return;
  }
  input.removeAttribute("aria-invalid");
  input.value = "";
  state.key = key;
  sessionStorage.setItem(KEY_STORAGE, key);
  announce(t("signedIn"));
  await enterDesk();
  $("day").focus();
}

function signOut(message) {
  state.key = "";
  sessionStorage.removeItem(KEY_STORAGE);
  clearInterval(state.timer);
  state.timer = null;
  state.view = null;
  state.reviews = [];
  state.reviewCards.clear();
  if ($("detail").open) $("detail").close();
  $("desk").hidden = true;
  $("sign-out").hidden = true;
  $("sign-in").hidden = false;
  showNotice($("sign-in-error"), message || "");
  announce(message || t("signedOut"));
  $("staff-key").focus();
}

async function enterDesk() {
  $("sign-in").hidden = true;
  $("desk").hidden = false;
  $("sign-out").hidden = false;
  await Promise.all([loadLocations(), loadTreatments()]);
  await loadDay(null); // today, as the API says
  loadTherapists();
  clearInterval(state.timer);
  state.timer = setInterval(() => {
    if (!document.hidden && state.key) refresh();
  }, POLL_MS);
}

// ---- what the catalog says ----------------------------------------------------------------------

async function loadLocations() {
  const select = $("location");
  try {
    const locations = await api("catalog", "/locations");
    select.replaceChildren(...locations.map((loc) => h("option", { value: loc.code }, loc.name)));
    const saved = sessionStorage.getItem("clinic.desk.location");
    state.location = locations.some((loc) => loc.code === saved) ? saved : (locations[0]?.code ?? "");
    select.value = state.location;
  } catch (error) {
    showNotice($("desk-error"), problem(error));
  }
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

// On a narrow screen, a new day opens scrolled to its first booking (a refresh leaves the scroll alone).
function showFirstBooking() {
  const scroller = $("grid");
  if (scroller.scrollWidth <= scroller.clientWidth) return;
  const lefts = [...scroller.querySelectorAll(".block")].map((block) => block.offsetLeft);
  scroller.scrollLeft = lefts.length ? Math.max(0, Math.min(...lefts) - 16) : 0;
}

// The same day again, quietly: focus and scroll stay where they are.
async function refresh() {
  if (state.busy || !state.key || !state.date) return;
  state.busy = true;
  try {
    await loadDay(state.date);
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
  $("day-title").textContent = dayName(view.date);
  $("day-utilisation").textContent = t("dayUtilisation", { percent: percent(view.utilisation) });
  $("updated").textContent = state.updatedAt ? t("updated", { time: formatTime(state.updatedAt.toISOString(), zone) }) : "";
  renderGrid(view);
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
    state.reviewCards.clear();
    if (state.view) render();
    if (state.detail) renderDetail();
  });
  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", () => signOut(null));
  $("day-form").addEventListener("submit", (event) => event.preventDefault());
  $("location").addEventListener("change", () => {
    state.location = $("location").value;
    sessionStorage.setItem("clinic.desk.location", state.location);
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
  if (state.key) {
    enterDesk();
  } else {
    $("sign-in").hidden = false;
  }
}

start();
