// The booking's own page, opened from the link in every client email:
// /manage/#booking=<id>&token=<signed>. The fragment never reaches a server; the page keeps it in
// sessionStorage (a reload keeps working), removes it from the address bar at once and sends the
// token only as the X-Booking-Token header.

import { ApiError, NetworkError, api, apiBlob } from "../common/api.js";
import { announce, h, showFieldErrors } from "../common/dom.js";
import { formatDay, formatTime, lang, languageSwitch, onLanguageChange, setupI18n, t } from "../common/i18n.js";
import { strings } from "./strings.js";

const STORAGE = "clinic.manage";
const ACTIVE = new Set(["pending", "confirmed", "needs_review"]);
const WAITING = new Set(["pending", "needs_review"]);
const POLL_MS = 5000;

const app = document.getElementById("app");
const state = {
  link: null, // {id, token}
  booking: null,
  treatment: null, // catalog's treatment, or null
  location: null, // catalog's location, or null
  timezone: undefined,
  questionnaire: null,
  answers: {}, // question code -> value (the form's current values)
  answersLoaded: false,
  message: null, // {kind, text, advice?} shown above the booking after an action
  move: null, // {open, date, firstDate, slots, timezone, chosen, error, loading}
  cancel: null, // {open, error}
  answersResult: null, // {kind, text, advice}
  answersError: null,
  fatal: null, // a message replacing the whole page
};
let pollTimer = null;

// --- the link -------------------------------------------------------------------------------------

function readLink() {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const id = fragment.get("booking");
  const token = fragment.get("token");
  if (location.hash) {
    // The secret must not stay in the address bar (copied, bookmarked, screenshotted).
    history.replaceState(null, "", location.pathname + location.search);
  }
  if (id && token) {
    const link = { id, token };
    sessionStorage.setItem(STORAGE, JSON.stringify(link));
    return link;
  }
  try {
    const kept = JSON.parse(sessionStorage.getItem(STORAGE) ?? "null");
    if (kept && typeof kept.id === "string" && typeof kept.token === "string") return kept;
  } catch {
    // an unreadable entry counts as none
  }
  return null;
}

function forget() {
  sessionStorage.removeItem(STORAGE);
}

const withToken = () => ({ "X-Booking-Token": state.link.token });
const bookingPath = (suffix = "") => `/bookings/${encodeURIComponent(state.link.id)}${suffix}`;

// --- loading ----------------------------------------------------------------------------------------

async function start() {
  setupI18n(strings);
  languageSwitch(document.getElementById("language"));
  document.title = t("title");
  onLanguageChange(() => {
    document.title = t("title");
    render();
  });
  state.link = readLink();
  if (!state.link) {
    state.fatal = { kind: "warn", text: () => t("noLink") };
    render();
    return;
  }
  await load();
}

async function load() {
  try {
    state.booking = await api("booking", bookingPath(), { headers: withToken() });
  } catch (error) {
    failLoading(error);
    return;
  }
  state.fatal = null;
  await Promise.all([loadTreatment(), loadLocation(), loadQuestionnaire()]);
  if (!state.timezone) await loadTimezone();
  render();
  poll();
}

function failLoading(error) {
  if (error instanceof ApiError && error.status === 404) {
    forget();
    state.fatal = { kind: "bad", text: () => t("linkInvalid") };
  } else if (error instanceof ApiError && error.status === 410) {
    forget();
    state.fatal = { kind: "warn", text: () => t("linkEnded") };
  } else if (error instanceof NetworkError) {
    state.fatal = { kind: "bad", text: () => t("offline"), retry: true };
  } else {
    state.fatal = { kind: "bad", text: () => messageOf(error), retry: true };
  }
  render();
}

async function loadTreatment() {
  try {
    state.treatment = await api("catalog", `/treatments/${encodeURIComponent(state.booking.treatment)}`);
  } catch {
    state.treatment = null; // the slug stands in for a withdrawn treatment's name
  }
}

async function loadLocation() {
  try {
    const locations = await api("catalog", "/locations");
    state.location = locations.find((l) => l.code === state.booking.location) ?? null;
    state.timezone = state.location?.timezone ?? undefined;
  } catch {
    state.location = null;
  }
}

async function loadTimezone() {
  // The location names no zone of its own (the clinic's default): the booking API says which.
  try {
    const answer = await api("booking", "/availability", {
      query: { treatment: state.booking.treatment, location: state.booking.location, days: 1 },
    });
    state.timezone = answer.timezone;
  } catch {
    state.timezone = undefined; // times then show in the browser's zone, still correct instants
  }
}

async function loadQuestionnaire() {
  try {
    const questionnaire = await api("catalog", `/questionnaires/${encodeURIComponent(state.booking.treatment)}`);
    state.questionnaire = questionnaire?.active ? questionnaire : null;
  } catch {
    state.questionnaire = null;
  }
  if (!state.questionnaire || state.answersLoaded) return;
  try {
    const kept = await api("booking", bookingPath("/answers"), { headers: withToken() });
    for (const answer of kept.answers ?? []) state.answers[answer.question] = answer.answer;
  } catch {
    // 404: none kept (never given, or erased): the form starts empty
  }
  state.answersLoaded = true;
}

// While someone else decides (workers, a therapist), the page asks again every few seconds.
function poll() {
  clearTimeout(pollTimer);
  if (!state.booking || !WAITING.has(state.booking.status)) return;
  pollTimer = setTimeout(async () => {
    try {
      const fresh = await api("booking", bookingPath(), { headers: withToken() });
      const changed = fresh.version !== state.booking.version || fresh.status !== state.booking.status;
      state.booking = fresh;
      if (changed) {
        render();
        announce(statusTitle(fresh.status));
      }
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 410)) {
        failLoading(error);
        return;
      }
      // a passing network problem: try again at the next tick
    }
    poll();
  }, POLL_MS);
}

// --- helpers ----------------------------------------------------------------------------------------

function messageOf(error) {
  if (error instanceof NetworkError) return t("offline");
  if (error instanceof ApiError && error.message && !error.message.startsWith("HTTP ")) return error.message;
  return t("failed");
}

const dayOf = (iso) => formatDay(iso, state.timezone);
const timeOf = (iso) => formatTime(iso, state.timezone);
const whenOf = (iso) => t("dayAtTime", { day: dayOf(iso), time: timeOf(iso) });
// A local date "YYYY-MM-DD" in words (noon UTC is the same calendar day everywhere it is shown).
const dateWords = (date) => formatDay(`${date}T12:00:00Z`, "UTC");

function addDays(date, days) {
  const moment = new Date(`${date}T12:00:00Z`);
  moment.setUTCDate(moment.getUTCDate() + days);
  return moment.toISOString().slice(0, 10);
}

function statusTitle(status) {
  return t(`status.${status}`);
}

function localized(texts) {
  if (!texts) return "";
  return texts[lang()] ?? texts.en ?? Object.values(texts)[0] ?? "";
}

function notice(kind, ...children) {
  return h("div", { class: `notice ${kind}` }, ...children);
}

function adviceList(advice) {
  if (!advice?.length) return null;
  return h("ul", { class: "advice" }, advice.map((line) => h("li", {}, line)));
}

// --- rendering -------------------------------------------------------------------------------------

function render() {
  const focused = document.activeElement?.id;
  draw();
  // A redraw keeps the keyboard where it was when that control is still there.
  if (focused && document.activeElement === document.body) document.getElementById(focused)?.focus();
}

function draw() {
  app.removeAttribute("aria-busy");
  if (state.fatal) {
    const children = [notice(state.fatal.kind, h("p", { id: "link-problem" }, state.fatal.text()))];
    if (state.fatal.retry) {
      children.push(h("button", { type: "button", class: "secondary", onclick: retry }, t("retry")));
    }
    app.replaceChildren(...children);
    return;
  }
  const booking = state.booking;
  const sections = [summary(booking)];
  if (booking.status === "confirmed") sections.push(moveSection());
  if (ACTIVE.has(booking.status)) sections.push(cancelSection());
  if (ACTIVE.has(booking.status) && state.questionnaire) sections.push(answersSection());
  app.replaceChildren(...sections);
}

async function retry() {
  state.fatal = null;
  app.setAttribute("aria-busy", "true");
  app.replaceChildren(h("p", { class: "muted" }, t("loading")));
  state.link = state.link ?? readLink();
  if (state.link) await load();
}

function summary(booking) {
  const facts = [
    [t("treatment"), state.treatment?.name ?? booking.treatment],
    [t("date"), dayOf(booking.start)],
    [t("time"), t("timeRange", { start: timeOf(booking.start), end: timeOf(booking.end) })],
    [t("location"), state.location ? [state.location.name, state.location.address].filter(Boolean).join(", ") : booking.location],
  ];
  if (booking.therapist_name) facts.push([t("therapist"), booking.therapist_name]);
  if (booking.room_name) facts.push([t("room"), booking.room_name]);
  const kind = { confirmed: "good", needs_review: "warn", pending: "", rejected: "bad", declined: "bad" }[booking.status] ?? "";
  const children = [
    h("h2", { id: "booking-heading", tabindex: "-1" }, t("yourVisit")),
    state.message ? notice(state.message.kind, h("p", { id: "message" }, state.message.text()), adviceList(state.message.advice)) : null,
    notice(
      kind,
      h("p", { class: "status-line", id: "booking-status" }, statusTitle(booking.status)),
      h("p", {}, t(`explain.${booking.status}`)),
      booking.reason && ["rejected", "declined"].includes(booking.status)
        ? h("p", {}, t("reason", { reason: booking.reason }))
        : null,
      booking.status === "cancelled" && booking.late_cancellation ? h("p", {}, t("wasLate")) : null,
      booking.status === "needs_review" && booking.review_deadline
        ? h("p", { id: "review-by" }, t("reviewBy", { day: dayOf(booking.review_deadline), time: timeOf(booking.review_deadline) }))
        : null,
    ),
    h("dl", { class: "facts" }, facts.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
  ];
  if (booking.status === "confirmed") {
    children.push(
      h("p", {}, h("button", { type: "button", class: "secondary", id: "calendar", onclick: downloadCalendar }, t("calendar"))),
    );
  }
  return h("section", { class: "card", "aria-labelledby": "booking-heading" }, children);
}

async function downloadCalendar(event) {
  const button = event.currentTarget;
  button.disabled = true;
  try {
    const blob = await apiBlob("booking", bookingPath("/calendar"), { headers: withToken() });
    const url = URL.createObjectURL(new Blob([blob], { type: "text/calendar" }));
    const link = h("a", { href: url, download: "booking.ics", class: "visually-hidden" }, "booking.ics");
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    announce(t("calendarReady"));
  } catch (error) {
    state.message = { kind: "bad", text: () => t("calendarFailed", { problem: messageOf(error) }) };
    render();
  } finally {
    button.disabled = false;
  }
}

// --- moving the visit ---------------------------------------------------------------------------------

function moveSection() {
  const move = state.move;
  const children = [h("h2", { id: "move-heading" }, t("moveTitle"))];
  if (!move?.open) {
    children.push(
      h("p", {}, t("moveIntro")),
      h("button", { type: "button", class: "secondary", id: "move-open", onclick: openMove }, t("moveOpen")),
    );
    return h("section", { class: "card", "aria-labelledby": "move-heading" }, children);
  }
  const form = h("form", { id: "move-form", novalidate: true, onsubmit: submitMove });
  if (move.error) form.append(notice("bad", h("p", {}, move.error)));
  if (move.date) {
    form.append(
      h("p", { id: "week-label", tabindex: "-1" }, t("weekOf", { from: dateWords(move.date), to: dateWords(addDays(move.date, 6)) })),
      h(
        "div",
        { class: "row week-nav" },
        h(
          "button",
          { type: "button", class: "secondary", disabled: move.date <= move.firstDate || move.loading, onclick: () => week(-7) },
          t("weekBefore"),
        ),
        h("button", { type: "button", class: "secondary", disabled: move.loading, onclick: () => week(7) }, t("weekAfter")),
      ),
    );
  }
  if (move.loading) {
    form.append(h("p", { class: "muted" }, t("loadingTimes")));
  } else {
    const slots = (move.slots ?? []).filter((slot) => Date.parse(slot) !== Date.parse(state.booking.start));
    if (!slots.length) form.append(h("p", { class: "muted" }, t("noTimes")));
    const days = new Map(); // local date "YYYY-MM-DD" -> its free times
    const localDate = new Intl.DateTimeFormat("en-CA", {
      timeZone: move.timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    for (const slot of slots) {
      const day = localDate.format(new Date(slot));
      if (!days.has(day)) days.set(day, []);
      days.get(day).push(slot);
    }
    if (days.size && !days.has(move.day)) move.day = days.keys().next().value;
    if (days.size) {
      // One day's times at a time: a week of 15-minute times is too long a list for a phone.
      form.append(
        h(
          "div",
          { class: "field" },
          h("label", { for: "move-day" }, t("moveDay")),
          h(
            "select",
            {
              id: "move-day",
              onchange: (event) => {
                move.day = event.currentTarget.value;
                move.chosen = null;
                render();
              },
            },
            [...days].map(([day, times]) =>
              h(
                "option",
                { value: day, selected: day === move.day },
                t("dayWithTimes", { day: formatDay(times[0], move.timezone), count: times.length }),
              ),
            ),
          ),
        ),
      );
      const times = days.get(move.day);
      form.append(
        h(
          "fieldset",
          { class: "day-slots" },
          h("legend", {}, t("timesOn", { day: formatDay(times[0], move.timezone) })),
          h(
            "div",
            { class: "grid-choices" },
            times.map((slot, i) => {
              const id = `slot-${i}`;
              return h(
                "label",
                { for: id },
                h("input", {
                  type: "radio",
                  name: "slot",
                  id,
                  value: slot,
                  checked: slot === move.chosen,
                  onchange: () => {
                    move.chosen = slot;
                  },
                }),
                formatTime(slot, move.timezone),
              );
            }),
          ),
        ),
      );
    }
  }
  form.append(
    h(
      "div",
      { class: "row actions" },
      h("button", { type: "submit", id: "move-confirm", disabled: move.loading || move.busy }, t("moveConfirm")),
      h("button", { type: "button", class: "secondary", onclick: closeMove }, t("moveClose")),
    ),
  );
  children.push(form);
  return h("section", { class: "card", "aria-labelledby": "move-heading" }, children);
}

async function openMove() {
  state.move = { open: true, date: null, firstDate: null, slots: [], loading: true };
  render();
  await loadSlots();
  document.querySelector("#move-form input[name=slot], #move-form button")?.focus();
}

function closeMove() {
  state.move = null;
  render();
  document.getElementById("move-open")?.focus();
}

async function week(days) {
  const move = state.move;
  const target = addDays(move.date, days);
  move.date = target < move.firstDate ? move.firstDate : target;
  move.loading = true;
  move.chosen = null;
  render();
  await loadSlots();
  document.getElementById("week-label")?.focus();
  announce(t("weekOf", { from: dateWords(move.date), to: dateWords(addDays(move.date, 6)) }));
}

async function loadSlots() {
  const move = state.move;
  try {
    // No date for the first week: the server's today at the location, never the browser's clock.
    const answer = await api("booking", "/availability", {
      query: {
        treatment: state.booking.treatment,
        location: state.booking.location,
        days: 7,
        date: move.date ?? undefined,
      },
    });
    move.date = answer.date;
    move.firstDate ??= answer.date;
    move.timezone = answer.timezone;
    move.slots = answer.slots;
    move.error = move.keepError ? move.error : null;
    move.keepError = false;
  } catch (error) {
    move.slots = [];
    move.error = messageOf(error);
  }
  move.loading = false;
  if (state.move === move) render();
}

async function submitMove(event) {
  event.preventDefault();
  const move = state.move;
  const chosen = new FormData(event.currentTarget).get("slot");
  if (!chosen) {
    move.error = t("pickTime");
    render();
    document.querySelector("#move-form .notice")?.setAttribute("tabindex", "-1");
    document.querySelector("#move-form .notice")?.focus();
    return;
  }
  move.busy = true;
  render();
  try {
    state.booking = await api("booking", bookingPath("/reschedule"), {
      method: "POST",
      headers: withToken(),
      body: { start: chosen },
    });
  } catch (error) {
    move.busy = false;
    move.chosen = null;
    move.error = error instanceof ApiError && error.status === 409 ? t("timeTaken", { problem: messageOf(error) }) : messageOf(error);
    if (error instanceof ApiError && [409, 422].includes(error.status)) {
      // Fresh times: what was free a moment ago may be gone now.
      move.loading = true;
      move.keepError = true;
      render();
      await loadSlots();
    } else {
      render();
    }
    announce(move.error);
    return;
  }
  state.move = null;
  state.message = { kind: "good", text: () => t("moved", { when: whenOf(state.booking.start) }) };
  render();
  announce(state.message.text());
  document.getElementById("booking-heading")?.focus();
}

// --- cancelling -----------------------------------------------------------------------------------

function lateness(booking) {
  if (booking.status !== "confirmed") return h("p", {}, t("cancelFreeUnconfirmed"));
  if (booking.cancellation_would_be_late === true) return notice("warn", h("p", {}, t("cancelLate")));
  if (booking.free_cancellation_until) {
    return h("p", {}, t("cancelFreeUntil", { when: whenOf(booking.free_cancellation_until) }));
  }
  if (booking.cancellation_would_be_late === false) return h("p", {}, t("cancelFree"));
  return h("p", {}, t("cancelPolicy"));
}

function cancelSection() {
  const cancel = state.cancel;
  const children = [h("h2", { id: "cancel-heading" }, t("cancelTitle")), lateness(state.booking)];
  if (!cancel?.open) {
    children.push(h("button", { type: "button", class: "secondary", id: "cancel-open", onclick: openCancel }, t("cancelOpen")));
  } else {
    children.push(
      cancel.error ? notice("bad", h("p", {}, cancel.error)) : null,
      h("p", { id: "cancel-question", tabindex: "-1", class: "status-line" }, t("cancelQuestion")),
      h(
        "div",
        { class: "row actions" },
        h("button", { type: "button", class: "danger", id: "cancel-confirm", disabled: cancel.busy, onclick: confirmCancel }, t("cancelConfirm")),
        h("button", { type: "button", class: "secondary", onclick: closeCancel }, t("cancelKeep")),
      ),
    );
  }
  return h("section", { class: "card", "aria-labelledby": "cancel-heading" }, children);
}

function openCancel() {
  state.cancel = { open: true };
  render();
  document.getElementById("cancel-question")?.focus();
}

function closeCancel() {
  state.cancel = null;
  render();
  document.getElementById("cancel-open")?.focus();
}

async function confirmCancel() {
  state.cancel.busy = true;
  render();
  try {
    state.booking = await api("booking", bookingPath("/cancel"), { method: "POST", headers: withToken() });
  } catch (error) {
    state.cancel = { open: true, error: messageOf(error) };
    render();
    announce(state.cancel.error);
    return;
  }
  state.cancel = null;
  state.move = null;
  state.message = { kind: "good", text: () => (state.booking.late_cancellation ? t("cancelledLate") : t("cancelled")) };
  render();
  announce(state.message.text());
  document.getElementById("booking-heading")?.focus();
  poll();
}

// --- health answers -------------------------------------------------------------------------------

function answersSection() {
  const questionnaire = state.questionnaire;
  const form = h("form", { id: "answers-form", novalidate: true, onsubmit: submitAnswers });
  const result = state.answersResult;
  if (state.answersError) form.append(notice("bad", h("p", {}, state.answersError)));
  if (result) form.append(notice(result.kind, h("p", { id: "answers-result" }, t(result.key)), adviceList(result.advice)));
  for (const question of questionnaire.questions) {
    const id = `q-${question.code}`;
    const text = localized(question.text);
    if (question.kind === "text") {
      form.append(
        h(
          "div",
          { class: "field" },
          h("label", { for: id }, text),
          h("textarea", {
            id,
            name: question.code,
            maxlength: "500",
            oninput: (event) => {
              state.answers[question.code] = event.currentTarget.value;
            },
          }, state.answers[question.code] ?? ""),
        ),
      );
      continue;
    }
    form.append(
      h(
        "fieldset",
        { id },
        h("legend", {}, text),
        question.options.map((option, i) =>
          h(
            "label",
            { for: `${id}-${i}` },
            h("input", {
              type: "radio",
              id: `${id}-${i}`,
              name: question.code,
              value: option.value,
              checked: state.answers[question.code] === option.value,
              onchange: () => {
                state.answers[question.code] = option.value;
              },
            }),
            localized(option.label),
          ),
        ),
      ),
    );
  }
  form.append(h("div", { class: "row actions" }, h("button", { type: "submit", id: "answers-save" }, t("answersSave"))));
  return h(
    "section",
    { class: "card", "aria-labelledby": "answers-heading" },
    h("h2", { id: "answers-heading" }, t("answersTitle")),
    h("p", { class: "muted" }, t("answersIntro")),
    form,
  );
}

async function submitAnswers(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const answers = {};
  for (const question of state.questionnaire.questions) {
    const value = (state.answers[question.code] ?? "").trim();
    if (value) answers[question.code] = value;
  }
  const missing = state.questionnaire.questions.filter((q) => q.required && q.kind !== "text" && !answers[q.code]);
  state.answersResult = null;
  state.answersError = null;
  if (missing.length) {
    const fields = Object.fromEntries(missing.map((q) => [q.code, document.getElementById(`q-${q.code}`)]));
    showFieldErrors(form, missing.map((q) => ({ field: q.code, problem: t("answerMissing") })), fields);
    form.querySelector("[aria-invalid] input")?.focus();
    announce(t("answerMissing"));
    return;
  }
  form.querySelector("#answers-save").disabled = true;
  let saved;
  try {
    saved = await api("booking", bookingPath("/answers"), { method: "PUT", headers: withToken(), body: { answers } });
  } catch (error) {
    if (error instanceof ApiError && error.status === 422 && error.body?.outcome === "refer") {
      state.answersResult = { kind: "warn", key: "answersRefer", advice: error.body.advice ?? [] };
    } else if (error instanceof ApiError && error.errors.length) {
      const fields = {};
      for (const question of state.questionnaire.questions) {
        const el = document.getElementById(`q-${question.code}`);
        fields[`answers.${question.code}`] = el;
        fields[question.code] = el;
      }
      const left = showFieldErrors(form, error.errors, fields);
      form.querySelector("#answers-save").disabled = false;
      if (!left.length) return;
      state.answersError = left.map((e) => e.problem).join(" ");
    } else {
      state.answersError = messageOf(error);
    }
    render();
    announce(state.answersResult ? t(state.answersResult.key) : state.answersError);
    document.getElementById("answers-heading")?.scrollIntoView({ block: "start" });
    return;
  }
  state.answersResult =
    saved.outcome === "review"
      ? { kind: "warn", key: "answersReview", advice: saved.advice }
      : saved.outcome === "refer"
        ? { kind: "warn", key: "answersRefer", advice: saved.advice }
        : { kind: "good", key: "answersSaved", advice: saved.advice };
  // A review answer may have put the booking back into review: read it again.
  try {
    state.booking = await api("booking", bookingPath(), { headers: withToken() });
  } catch {
    // the answers are saved; the booking shows as before until the next look
  }
  render();
  announce(t(state.answersResult.key));
  poll();
}

start();
