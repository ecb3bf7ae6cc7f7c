// The client's booking page: choose a treatment (or let "where does it hurt?" suggest one), a time
// from a week of free times, give name, email and the treatment's intake answers, book, and see the
// booking confirmed (or held for a therapist's look, or the time taken, or declined).
//
// Today comes from the booking API (GET /availability without a date), never from the browser's clock.
// Nothing personal goes into a URL's path or query: answers and contact details travel in JSON bodies,
// the booking's token in a header (and in the manage link's fragment, which never leaves the browser).

import { ApiError, NetworkError, api, apiBlob, newIdempotencyKey, sleep } from "/common/api.js";
import { announce, h, showFieldErrors } from "/common/dom.js";
import {
  formatDay,
  formatPrice,
  formatTime,
  lang,
  languageSwitch,
  onLanguageChange,
  setupI18n,
  t,
} from "/common/i18n.js";
import { strings } from "./strings.js";

const POLL_MS = 700;
const SLOW_AFTER_POLLS = 20;

const state = {
  treatments: [],
  vocabulary: {}, // per language: {areas: [{code, label}], complaints: [...]}
  locations: [],
  location: null, // a location's code, only when the clinic has more than one
  treatment: null, // the chosen treatment's slug
  therapists: [], // [{code, name}] for the chosen treatment; empty: "anyone" only
  therapist: "",
  questionnaire: null, // the chosen treatment's questions, or null when it asks none
  firstDate: null, // the clinic's today, as the booking API said it
  week: null, // the last availability answer: {date, timezone, slots}
  weekRequest: 0,
  openDays: new Set(), // the days (YYYY-MM-DD) whose times are shown
  slot: null, // the chosen start (ISO, with the clinic's offset)
  form: { name: "", email: "", phone: "", reminder: false },
  answers: {},
  guidanceOpen: false,
  guidanceAreas: new Set(),
  guidanceComplaints: new Set(),
  guidance: null, // the last POST /guidance answer
  attempt: null, // {fingerprint, key, body}: the same form content is sent with the same Idempotency-Key
  busy: false,
  booking: null, // {id, token, email, public, calendarUrl}
  polling: 0,
  slow: false,
};

const $ = (id) => document.getElementById(id);
const main = () => $("main");

// ---------------------------------------------------------------- small helpers

function localised(treatment, key) {
  const translated = treatment?.translations?.[lang()]?.[key];
  return translated ?? treatment?.[key];
}

function treatmentBySlug(slug) {
  return state.treatments.find((treatment) => treatment.slug === slug);
}

function labelsOf(codes, kind) {
  const terms = state.vocabulary[lang()]?.[kind] ?? [];
  return codes.map((code) => terms.find((term) => term.code === code)?.label).filter(Boolean);
}

function inLanguage(texts) {
  return texts?.[lang()] ?? texts?.en ?? Object.values(texts ?? {})[0] ?? "";
}

function addDays(isoDate, days) {
  const moment = new Date(`${isoDate}T00:00:00Z`);
  moment.setUTCDate(moment.getUTCDate() + days);
  return moment.toISOString().slice(0, 10);
}

function localDate(iso, timeZone) {
  // en-CA writes dates as YYYY-MM-DD
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(
    new Date(iso),
  );
}

function dayLabel(isoDate, timeZone) {
  return formatDay(`${isoDate}T12:00:00Z`, timeZone);
}

function when(iso, timeZone) {
  return t("timeAt", { day: formatDay(iso, timeZone), time: formatTime(iso, timeZone) });
}

function focus(el) {
  if (!el) return;
  if (!el.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) {
    el.setAttribute("tabindex", "-1");
  }
  el.focus();
}

function show(id, visible) {
  $(id).hidden = !visible;
}

function notice(kind, title, ...body) {
  const heading = h("h3", { tabindex: "-1", class: "notice-title" }, title);
  return h("div", { class: `notice ${kind}`.trim() }, heading, ...body);
}

function messageOf(error) {
  if (error instanceof NetworkError) return t("loadFailed");
  if (error instanceof ApiError) return t("problem", { message: error.message });
  return t("problem", { message: String(error?.message || error) });
}

// ---------------------------------------------------------------- layout

function layout() {
  const accepted = state.booking !== null;
  show("step-treatment", !accepted);
  show("step-when", !accepted && state.treatment !== null);
  show("step-details", !accepted && state.treatment !== null && state.slot !== null);
  show("step-result", accepted);
  show("treatment-choice", state.treatment === null);
  show("time-choice", state.slot === null);
}

function renderAll() {
  document.title = t("pageTitle");
  renderTreatments();
  renderGuidance();
  renderWhereWho();
  renderWeek();
  renderTimeSummary();
  renderDetails();
  renderResult();
  layout();
}

// ---------------------------------------------------------------- 1. treatments

function priceAndDuration(minutes, price) {
  return [t("minutes", { minutes }), formatPrice(price)].filter(Boolean).join(" · ");
}

function chooseButton(slug, name) {
  return h(
    "button",
    { type: "button", class: "choose", dataset: { treatment: slug }, onclick: () => chooseTreatment(slug) },
    t("choose"),
    h("span", { class: "visually-hidden" }, ` ${name}`),
  );
}

function treatmentCard(treatment) {
  const name = localised(treatment, "name");
  const complaints = labelsOf(treatment.complaints ?? [], "complaints");
  const areas = labelsOf(treatment.areas ?? [], "areas");
  const helps = [...areas, ...complaints];
  return h(
    "article",
    { class: "card treatment" },
    h("h3", {}, name),
    h("p", { class: "muted" }, priceAndDuration(treatment.duration_minutes, treatment.price)),
    localised(treatment, "summary") ? h("p", {}, localised(treatment, "summary")) : null,
    helps.length ? h("p", { class: "helps" }, t("helpsWith", { list: helps.join(", ") })) : null,
    chooseButton(treatment.slug, name),
  );
}

function renderTreatments() {
  const list = $("treatments");
  if (state.treatments.length) list.replaceChildren(...state.treatments.map(treatmentCard));
  const chosen = treatmentBySlug(state.treatment);
  $("treatment-summary").replaceChildren(
    ...(chosen
      ? [
          h(
            "div",
            { class: "row chosen" },
            h("p", {}, h("strong", {}, t("treatmentChosen", { name: localised(chosen, "name") }))),
            h("button", { type: "button", class: "secondary", id: "change-treatment", onclick: changeTreatment }, t("changeTreatment")),
          ),
        ]
      : []),
  );
  $("guidance-toggle").textContent = t(state.guidanceOpen ? "hideGuidance" : "notSure");
  $("guidance-toggle").setAttribute("aria-expanded", String(state.guidanceOpen));
}

function changeTreatment() {
  state.treatment = null;
  state.slot = null;
  state.week = null;
  layout();
  renderTreatments();
  focus($("treatment-heading"));
}

async function chooseTreatment(slug) {
  state.treatment = slug;
  state.slot = null;
  state.week = null;
  state.openDays = new Set();
  state.therapist = "";
  state.therapists = [];
  state.questionnaire = null;
  state.answers = {};
  state.attempt = null;
  $("when-notice").replaceChildren();
  $("form-top").replaceChildren();
  renderTreatments();
  renderWhereWho();
  renderWeek();
  layout();
  announce(t("treatmentChosen", { name: localised(treatmentBySlug(slug), "name") }));
  focus($("when-heading"));
  await Promise.all([loadTherapists(), loadQuestionnaire()]);
  if (state.treatment !== slug) return;
  renderWhereWho();
  renderDetails();
  await loadWeek(null);
}

// ---------------------------------------------------------------- guidance

function checkboxes(kind, legend, terms, chosen) {
  return h(
    "fieldset",
    { class: "choices" },
    h("legend", {}, legend),
    ...terms.map((term) => {
      const id = `guide-${kind}-${term.code}`;
      return h(
        "label",
        { for: id },
        h("input", {
          type: "checkbox",
          id,
          value: term.code,
          checked: chosen.has(term.code),
          onchange: (event) => (event.target.checked ? chosen.add(term.code) : chosen.delete(term.code)),
        }),
        term.label,
      );
    }),
  );
}

function renderGuidance() {
  const box = $("guidance");
  box.hidden = !state.guidanceOpen;
  if (!state.guidanceOpen) return;
  const vocabulary = state.vocabulary[lang()] ?? { areas: [], complaints: [] };
  const form = h(
    "form",
    { id: "guidance-form", novalidate: true, onsubmit: askGuidance },
    checkboxes("area", t("whereHurts"), vocabulary.areas, state.guidanceAreas),
    checkboxes("complaint", t("whatBothers"), vocabulary.complaints, state.guidanceComplaints),
    h("div", { id: "guidance-error" }),
    h("button", { type: "submit", id: "guidance-submit" }, t("suggest")),
  );
  box.replaceChildren(form, h("div", { id: "guidance-result" }, ...guidanceResult()));
}

function guidanceResult() {
  const found = state.guidance;
  if (!found) return [];
  const parts = [];
  if (found.red_flags.length) {
    parts.push(
      h(
        "div",
        { class: "notice warn red-flags", role: "alert" },
        h("h3", {}, t("redFlagsTitle")),
        h("ul", {}, ...found.red_flags.map((flag) => h("li", {}, flag.advice))),
      ),
    );
  }
  const fitting = found.treatments.some((fit) => fit.score > 0)
    ? found.treatments.filter((fit) => fit.score > 0)
    : found.treatments;
  parts.push(
    h("h3", { id: "suggestions-heading", tabindex: "-1" }, t("suggestions")),
    h(
      "ol",
      { class: "suggestions" },
      ...fitting.map((fit, index) =>
        h(
          "li",
          { class: "card suggestion", dataset: { treatment: fit.slug } },
          h("h4", {}, fit.name, index === 0 && fit.score > 0 ? h("span", { class: "badge" }, ` ${t("bestMatch")}`) : null),
          h("p", {}, fit.reason),
          h("p", { class: "muted" }, priceAndDuration(fit.duration_minutes, fit.price)),
          chooseButton(fit.slug, fit.name),
        ),
      ),
    ),
  );
  return parts;
}

function toggleGuidance() {
  state.guidanceOpen = !state.guidanceOpen;
  renderTreatments();
  renderGuidance();
  if (state.guidanceOpen) focus($("guidance").querySelector("input"));
}

async function askGuidance(event) {
  event?.preventDefault();
  const error = $("guidance-error");
  error?.replaceChildren();
  if (!state.guidanceAreas.size && !state.guidanceComplaints.size) {
    error.replaceChildren(h("p", { class: "field-error" }, t("pickSomething")));
    announce(t("pickSomething"));
    return;
  }
  const body = { areas: [...state.guidanceAreas], complaints: [...state.guidanceComplaints], locale: lang() };
  try {
    state.guidance = await api("catalog", "/guidance", { method: "POST", body });
  } catch (failure) {
    $("guidance-error")?.replaceChildren(h("p", { class: "notice bad" }, messageOf(failure)));
    return;
  }
  renderGuidance();
  const flags = state.guidance.red_flags.length;
  announce(flags ? t("redFlagsTitle") : t("suggestions"));
  focus(flags ? $("guidance-result").querySelector(".red-flags h3") : $("suggestions-heading"));
}

// ---------------------------------------------------------------- 2. location, therapist, times

async function loadTherapists() {
  const slug = state.treatment;
  try {
    const found = await api("catalog", `/treatments/${encodeURIComponent(slug)}/therapists`, {
      query: { location: state.location },
    });
    if (state.treatment === slug) state.therapists = Array.isArray(found) ? found : [];
  } catch {
    // The endpoint missing (or failing) leaves "anyone", which always works.
    if (state.treatment === slug) state.therapists = [];
  }
  if (!state.therapists.some((therapist) => therapist.code === state.therapist)) state.therapist = "";
}

async function loadQuestionnaire() {
  const slug = state.treatment;
  try {
    const found = await api("catalog", `/questionnaires/${encodeURIComponent(slug)}`);
    if (state.treatment === slug) state.questionnaire = found?.active === false ? null : found;
  } catch (failure) {
    if (state.treatment !== slug) return;
    state.questionnaire = null;
    if (!(failure instanceof ApiError && failure.status === 404)) {
      $("page-error").replaceChildren(h("p", { class: "notice bad" }, messageOf(failure)));
    }
  }
}

function select(id, labelKey, options, value, onchange) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, t(labelKey)),
    h(
      "select",
      { id, onchange: (event) => onchange(event.target.value) },
      ...options.map(([code, name]) => h("option", { value: code, selected: code === value }, name)),
    ),
  );
}

function renderWhereWho() {
  const parts = [];
  if (state.locations.length > 1) {
    parts.push(
      select(
        "location",
        "location",
        state.locations.map((location) => [location.code, location.name]),
        state.location,
        async (code) => {
          state.location = code;
          state.firstDate = null;
          await loadTherapists();
          renderWhereWho();
          await loadWeek(null);
        },
      ),
    );
  }
  parts.push(
    select(
      "therapist",
      "therapist",
      [["", t("anyone")], ...state.therapists.map((therapist) => [therapist.code, therapist.name])],
      state.therapist,
      (code) => {
        state.therapist = code;
        loadWeek(state.week?.date ?? null);
      },
    ),
  );
  $("where-who").replaceChildren(...parts);
}

async function loadWeek(date) {
  const request = ++state.weekRequest;
  const treatment = state.treatment;
  $("times").replaceChildren(h("p", { class: "muted" }, t("timesLoading")));
  $("week-label").textContent = "";
  $("previous-week").disabled = true;
  $("next-week").disabled = true;
  let week;
  try {
    week = await api("booking", "/availability", {
      query: { treatment, days: 7, date, location: state.location, therapist: state.therapist },
    });
  } catch (failure) {
    if (request !== state.weekRequest) return;
    $("times").replaceChildren(
      h("div", { class: "notice bad" }, h("p", {}, messageOf(failure))),
      h("button", { type: "button", class: "secondary", onclick: () => loadWeek(date) }, t("tryAgain")),
    );
    return;
  }
  if (request !== state.weekRequest || treatment !== state.treatment) return;
  if (!date || !state.firstDate) state.firstDate = week.date;
  state.week = week;
  renderWeek();
  announce(week.slots.length ? t("timesFound", { count: week.slots.length }) : t("noTimesWeek"));
}

function renderWeek() {
  const week = state.week;
  const times = $("times");
  if (!week) {
    if (state.treatment) times.replaceChildren(h("p", { class: "muted" }, t("timesLoading")));
    $("week-label").textContent = "";
    return;
  }
  const zone = week.timezone;
  $("week-label").textContent = t("weekFrom", { day: dayLabel(week.date, zone) });
  $("previous-week").disabled = !state.firstDate || week.date <= state.firstDate;
  $("next-week").disabled = false;
  const byDay = new Map();
  for (let i = 0; i < (week.days ?? 7); i += 1) byDay.set(addDays(week.date, i), []);
  for (const slot of week.slots) {
    const day = localDate(slot, zone);
    if (!byDay.has(day)) byDay.set(day, []);
    byDay.get(day).push(slot);
  }
  // Each day folds away (a long week of times is more than a phone screen); the first day with times,
  // and the day of the chosen time, start open.
  const withTimes = [...byDay.keys()].filter((day) => byDay.get(day).length);
  if (!withTimes.some((day) => state.openDays.has(day)) && withTimes.length) state.openDays.add(withTimes[0]);
  if (state.slot) state.openDays.add(localDate(state.slot, zone));
  const days = [...byDay.entries()].map(([day, slots]) => {
    if (!slots.length) {
      return h(
        "div",
        { class: "day empty" },
        h("h3", {}, dayLabel(day, zone)),
        h("p", { class: "muted" }, t("noTimesDay")),
      );
    }
    const grid = h(
      "div",
      { class: "grid-choices times", role: "group", "aria-label": formatDay(slots[0], zone) },
      ...slots.map((slot) =>
        h(
          "button",
          {
            type: "button",
            class: "secondary time",
            dataset: { start: slot },
            "aria-pressed": String(slot === state.slot),
            onclick: () => chooseTime(slot),
          },
          formatTime(slot, zone),
        ),
      ),
    );
    return h(
      "details",
      {
        class: "day",
        dataset: { day },
        open: state.openDays.has(day),
        ontoggle: (event) => (event.target.open ? state.openDays.add(day) : state.openDays.delete(day)),
      },
      h(
        "summary",
        {},
        h("span", { class: "day-name" }, formatDay(slots[0], zone)),
        " ",
        h("span", { class: "muted day-count" }, t("timesCount", { count: slots.length })),
      ),
      grid,
    );
  });
  times.replaceChildren(...(week.slots.length ? [] : [h("p", { class: "notice" }, t("noTimesWeek"))]), ...days);
}

function moveWeek(by) {
  if (!state.week) return;
  let date = addDays(state.week.date, by);
  if (state.firstDate && date < state.firstDate) date = state.firstDate;
  loadWeek(date);
}

function renderTimeSummary() {
  const zone = state.week?.timezone;
  $("time-summary").replaceChildren(
    ...(state.slot
      ? [
          h(
            "div",
            { class: "row chosen" },
            h("p", {}, h("strong", {}, t("timeChosen", { when: when(state.slot, zone) }))),
            h("button", { type: "button", class: "secondary", id: "change-time", onclick: changeTime }, t("changeTime")),
          ),
        ]
      : []),
  );
}

function chooseTime(slot) {
  state.slot = slot;
  $("when-notice").replaceChildren();
  renderTimeSummary();
  layout();
  announce(t("timeChosen", { when: when(slot, state.week?.timezone) }));
  focus($("details-heading"));
}

function changeTime() {
  state.slot = null;
  renderTimeSummary();
  renderWeek();
  layout();
  focus($("times").querySelector("button.time") ?? $("times"));
}

// ---------------------------------------------------------------- 3. details and questions

function textField(id, labelKey, type, key, attributes = {}, hintKey = null) {
  const hintId = hintKey ? `${id}-hint` : null;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, t(labelKey)),
    hintKey ? h("p", { id: hintId, class: "muted hint" }, t(hintKey)) : null,
    h("input", {
      id,
      type,
      value: state.form[key],
      "aria-describedby": hintId,
      oninput: (event) => {
        state.form[key] = event.target.value;
      },
      ...attributes,
    }),
  );
}

function questionField(question) {
  const id = `q-${question.code}`;
  const text = inLanguage(question.text);
  if (question.kind === "text") {
    return h(
      "div",
      { class: "field question", dataset: { question: question.code } },
      h("label", { for: id }, text),
      h(
        "textarea",
        {
          id,
          rows: 3,
          maxlength: 500,
          oninput: (event) => {
            state.answers[question.code] = event.target.value;
          },
        },
        state.answers[question.code] ?? "",
      ),
    );
  }
  return h(
    "div",
    { class: "field question", dataset: { question: question.code } },
    h(
      "fieldset",
      { id, class: "choices" },
      h("legend", {}, text),
      ...question.options.map((option) => {
        const optionId = `${id}-${option.value}`;
        return h(
          "label",
          { for: optionId },
          h("input", {
            type: "radio",
            id: optionId,
            name: id,
            value: option.value,
            checked: state.answers[question.code] === option.value,
            onchange: () => {
              state.answers[question.code] = option.value;
            },
          }),
          inLanguage(option.label),
        );
      }),
    ),
  );
}

function renderDetails() {
  $("client-fields").replaceChildren(
    textField("client-name", "name", "text", "name", { autocomplete: "name", maxlength: 200 }),
    textField("client-email", "email", "email", "email", { autocomplete: "email", maxlength: 320 }, "emailHint"),
    textField("client-phone", "phone", "tel", "phone", { autocomplete: "tel", maxlength: 40 }),
    h(
      "div",
      { class: "field checkbox" },
      h(
        "label",
        { for: "client-reminder" },
        h("input", {
          type: "checkbox",
          id: "client-reminder",
          checked: state.form.reminder,
          onchange: (event) => {
            state.form.reminder = event.target.checked;
          },
        }),
        t("reminder"),
      ),
    ),
  );
  const questions = state.questionnaire?.questions ?? [];
  $("questions").replaceChildren(
    ...(questions.length
      ? [h("h3", {}, t("questionsTitle")), h("p", { class: "muted" }, t("questionsIntro")), ...questions.map(questionField)]
      : []),
  );
  $("submit").disabled = state.busy;
}

function fieldMap() {
  const fields = {
    "client.name": $("client-name"),
    "client.email": $("client-email"),
    "client.phone": $("client-phone"),
    start: $("times"),
  };
  for (const question of state.questionnaire?.questions ?? []) fields[`answers.${question.code}`] = $(`q-${question.code}`);
  return fields;
}

const LOCAL_PROBLEMS = {
  "client.name": "invalidName",
  "client.email": "invalidEmail",
  "client.phone": "invalidPhone",
  start: "invalidStart",
};

function body() {
  const answers = {};
  for (const question of state.questionnaire?.questions ?? []) {
    const value = String(state.answers[question.code] ?? "").trim();
    if (value) answers[question.code] = value;
  }
  return {
    treatment: state.treatment,
    start: state.slot,
    client: {
      name: state.form.name.trim(),
      email: state.form.email.trim(),
      phone: state.form.phone.trim() || undefined,
      locale: lang(),
    },
    therapist: state.therapist || undefined,
    location: state.location || undefined,
    reminder_2h: state.form.reminder,
    answers,
  };
}

function showErrors(errors, topMessage) {
  // Errors at their fields; the rest (and a summary) at the form's top.
  const start = errors.some((error) => error.field === "start");
  if (start) {
    state.slot = null;
    renderTimeSummary();
    layout();
  }
  const left = showFieldErrors(main(), errors, fieldMap());
  const top = [...left.map((error) => error.problem), topMessage].filter(Boolean);
  $("form-top").replaceChildren(
    ...(top.length ? [h("div", { class: "notice bad", id: "form-problem" }, ...top.map((text) => h("p", {}, text)))] : []),
  );
  const first = main().querySelector('[aria-invalid="true"]');
  const target = first?.tagName === "FIELDSET" ? first.querySelector("input") : first;
  announce(top.join(" ") || t("fixBelow"));
  focus(left.length || !target ? $("form-problem") ?? target : target);
}

function missingAnswers() {
  return (state.questionnaire?.questions ?? [])
    .filter((question) => question.required && !String(state.answers[question.code] ?? "").trim())
    .map((question) => ({ field: `answers.${question.code}`, problem: t("answerThis") }));
}

async function submit(event) {
  event.preventDefault();
  if (state.busy) return;
  $("form-top").replaceChildren();
  if (!state.slot) {
    showErrors([{ field: "start", problem: t("chooseTimeFirst") }], null);
    return;
  }
  const missing = missingAnswers();
  if (missing.length) {
    showErrors(missing, t("fixBelow"));
    return;
  }
  showFieldErrors(main(), [], {});
  const request = body();
  const fingerprint = JSON.stringify(request);
  // After a lost answer the booking may exist: the same request goes again with its key, whatever was
  // edited since, until an answer comes back. Only then may a changed request get a new key.
  if (!state.attempt?.unanswered && state.attempt?.fingerprint !== fingerprint) {
    state.attempt = { fingerprint, key: newIdempotencyKey(), body: request, unanswered: false };
  }
  await send();
}

function setBusy(busy) {
  state.busy = busy;
  $("submit").disabled = busy;
  $("details").setAttribute("aria-busy", String(busy));
}

async function send() {
  const { key, body: request } = state.attempt;
  setBusy(true);
  $("form-top").replaceChildren(h("p", { class: "notice" }, t("booking")));
  announce(t("booking"));
  let accepted;
  try {
    accepted = await api("booking", "/bookings", {
      method: "POST",
      body: request,
      headers: { "Idempotency-Key": key },
    });
  } catch (failure) {
    setBusy(false);
    $("form-top").replaceChildren();
    state.attempt.unanswered = failure instanceof NetworkError;
    if (failure instanceof NetworkError) showNetworkLost();
    else showFailure(failure);
    return;
  }
  setBusy(false);
  $("form-top").replaceChildren();
  state.attempt = null;
  state.booking = { id: accepted.id, token: accepted.token, email: request.client.email, public: null, calendarUrl: null };
  state.slow = false;
  layout();
  renderResult();
  focus($("result-heading"));
  announce(t("confirming"));
  poll(accepted.id);
}

function showNetworkLost() {
  const retry = h("button", { type: "button", id: "retry", onclick: send }, t("retry"));
  $("form-top").replaceChildren(h("div", { class: "notice bad", id: "form-problem" }, h("p", {}, t("networkLost")), retry));
  announce(t("networkLost"));
  focus(retry);
}

function showFailure(failure) {
  if (!(failure instanceof ApiError)) {
    showErrors([], messageOf(failure));
    return;
  }
  if (failure.status === 422 && failure.body?.outcome === "refer") {
    showRefer(Array.isArray(failure.body.advice) ? failure.body.advice : []);
    return;
  }
  if (failure.status === 422) {
    // The API names the field at fault (`answers.<code>` for an intake question); the page says it in its language.
    const errors = failure.errors.map((error) => ({
      field: error.field,
      problem: LOCAL_PROBLEMS[error.field]
        ? t(LOCAL_PROBLEMS[error.field])
        : error.field.startsWith("answers.") && lang() !== "en"
          ? t("answerThis")
          : error.problem,
    }));
    showErrors(errors, errors.length ? t("fixBelow") : t("problem", { message: failure.message }));
    return;
  }
  if (failure.status === 409) {
    showErrors([], t("conflict"));
    state.slot = null;
    renderTimeSummary();
    layout();
    loadWeek(state.week?.date ?? null);
    return;
  }
  showErrors([], t("problem", { message: failure.message }));
}

function showRefer(advice) {
  showFieldErrors(main(), [], {});
  const box = notice(
    "refer",
    t("referTitle"),
    h("p", {}, t("referIntro")),
    advice.length ? h("ul", {}, ...advice.map((text) => h("li", {}, text))) : null,
    h("p", {}, t("referAfter")),
  );
  box.id = "refer";
  $("form-top").replaceChildren(box);
  announce(`${t("referTitle")}. ${t("referIntro")}`);
  focus(box.querySelector("h3"));
}

// ---------------------------------------------------------------- after 202: confirming, and the outcome

async function poll(id) {
  const run = ++state.polling;
  let polls = 0;
  for (;;) {
    if (run !== state.polling || state.booking?.id !== id) return;
    let found = null;
    try {
      found = await api("booking", `/bookings/${encodeURIComponent(id)}`, {
        headers: { "X-Booking-Token": state.booking.token },
      });
    } catch (failure) {
      if (!(failure instanceof NetworkError)) {
        $("result").append(h("p", { class: "notice bad" }, messageOf(failure)));
        return;
      }
    }
    if (run !== state.polling || state.booking?.id !== id) return;
    if (found && found.status !== "pending") {
      settled(found);
      return;
    }
    polls += 1;
    if (polls === SLOW_AFTER_POLLS) {
      state.slow = true;
      renderResult();
      announce(t("confirmingSlow"));
    }
    await sleep(POLL_MS);
  }
}

async function settled(booking) {
  if (booking.status === "rejected") {
    state.booking = null;
    state.slot = null;
    $("when-notice").replaceChildren(notice("warn", t("rejectedTitle"), h("p", {}, t("rejectedText"))));
    renderTimeSummary();
    layout();
    announce(`${t("rejectedTitle")}. ${t("rejectedText")}`);
    focus($("when-notice").querySelector("h3"));
    await loadWeek(state.week?.date ?? null);
    return;
  }
  state.booking.public = booking;
  renderResult();
  focus($("result-heading"));
  const titles = { confirmed: "confirmedTitle", needs_review: "reviewTitle", declined: "declinedTitle" };
  announce(t(titles[booking.status] ?? "otherStatus", { status: booking.status }));
  if (booking.status === "confirmed") await loadCalendar(booking);
}

async function loadCalendar(booking) {
  const current = state.booking;
  try {
    const blob = await apiBlob("booking", `/bookings/${encodeURIComponent(booking.id)}/calendar`, {
      headers: { "X-Booking-Token": current.token },
    });
    if (state.booking !== current) return;
    current.calendarUrl = URL.createObjectURL(new Blob([blob], { type: "text/calendar" }));
  } catch {
    if (state.booking !== current) return;
    current.calendarUrl = false;
  }
  renderResult();
}

function facts(booking) {
  const zone = state.week?.timezone;
  const location = state.locations.find((place) => place.code === booking.location);
  const where = location ? [location.name, location.address].filter(Boolean).join(", ") : null;
  return h(
    "ul",
    { class: "facts" },
    h("li", { id: "booking-when" }, t("when", { when: when(booking.start, zone) })),
    booking.therapist_name ? h("li", { id: "booking-therapist" }, t("withTherapist", { name: booking.therapist_name })) : null,
    booking.room_name ? h("li", { id: "booking-room" }, t("inRoom", { name: booking.room_name })) : null,
    where ? h("li", { id: "booking-where" }, t("where", { name: where })) : null,
    booking.cancellation_would_be_late
      ? h("li", { id: "booking-free-cancel" }, t("lateCancel"))
      : booking.free_cancellation_until
        ? h("li", { id: "booking-free-cancel" }, t("freeCancel", { when: when(booking.free_cancellation_until, zone) }))
        : null,
    h("li", { id: "booking-reference" }, t("reference", { id: booking.id })),
  );
}

function links(booking) {
  const current = state.booking;
  const manage = `/manage/#booking=${encodeURIComponent(booking.id)}&token=${encodeURIComponent(current.token)}`;
  let calendar = null;
  if (current.calendarUrl) {
    calendar = h("a", { class: "button", id: "calendar", href: current.calendarUrl, download: "booking.ics" }, t("addToCalendar"));
  } else if (current.calendarUrl === false) {
    calendar = h("p", { class: "muted" }, t("calendarUnavailable"));
  }
  return h(
    "div",
    { class: "links" },
    calendar,
    h("p", {}, h("a", { id: "manage", href: manage }, t("manage"))),
    h("p", { class: "muted" }, t("manageHint")),
  );
}

function aboutTreatment(slug) {
  const treatment = treatmentBySlug(slug);
  if (!treatment) return [];
  const section = (titleKey, items) =>
    items?.length ? [h("h3", {}, t(titleKey)), h("ul", {}, ...items.map((item) => h("li", {}, item)))] : [];
  const faq = localised(treatment, "faq") ?? [];
  return [
    h(
      "section",
      { class: "about", "aria-label": t("whatToExpect") },
      localised(treatment, "summary") ? h("p", {}, localised(treatment, "summary")) : null,
      ...section("whatToExpect", localised(treatment, "what_to_expect")),
      ...section("preparation", localised(treatment, "preparation")),
      ...section("aftercare", localised(treatment, "aftercare")),
      ...(faq.length
        ? [
            h("h3", {}, t("questionsAnswers")),
            h("dl", { class: "faq" }, ...faq.flatMap((entry) => [h("dt", {}, entry.question), h("dd", {}, entry.answer)])),
          ]
        : []),
    ),
  ];
}

function renderResult() {
  const current = state.booking;
  if (!current) {
    $("result").replaceChildren();
    return;
  }
  const booking = current.public;
  const again = h("button", { type: "button", class: "secondary", id: "book-another", onclick: bookAnother }, t("bookAnother"));
  if (!booking) {
    $("result").replaceChildren(
      h("h2", { id: "result-heading", tabindex: "-1" }, t("confirming")),
      h("p", { class: "notice", "aria-busy": "true" }, t(state.slow ? "confirmingSlow" : "confirming")),
    );
    return;
  }
  const heading = (key) => h("h2", { id: "result-heading", tabindex: "-1" }, t(key, { status: booking.status }));
  if (booking.status === "confirmed") {
    $("result").replaceChildren(
      h(
        "div",
        { class: "notice good", id: "confirmed" },
        heading("confirmedTitle"),
        facts(booking),
        h("p", {}, t("confirmedEmail", { email: current.email })),
      ),
      links(booking),
      ...aboutTreatment(booking.treatment),
      again,
    );
  } else if (booking.status === "needs_review") {
    $("result").replaceChildren(
      h(
        "div",
        { class: "notice warn", id: "needs-review" },
        heading("reviewTitle"),
        h("p", {}, t("reviewText")),
        h("p", {}, booking.review_deadline ? t("reviewBy", { when: when(booking.review_deadline, state.week?.timezone) }) : null),
        h("p", {}, t("reviewDeadline")),
        facts(booking),
      ),
      links(booking),
      again,
    );
  } else if (booking.status === "declined") {
    $("result").replaceChildren(
      h(
        "div",
        { class: "notice bad", id: "declined" },
        heading("declinedTitle"),
        booking.reason ? h("p", {}, t("declinedReason", { reason: booking.reason })) : null,
      ),
      again,
    );
  } else {
    $("result").replaceChildren(
      h(
        "div",
        { class: "notice", id: "other-status" },
        heading(booking.status === "cancelled" ? "cancelledTitle" : "otherStatus"),
        booking.reason ? h("p", {}, booking.reason) : null,
      ),
      again,
    );
  }
}

function bookAnother() {
  if (state.booking?.calendarUrl) URL.revokeObjectURL(state.booking.calendarUrl);
  state.booking = null;
  state.polling += 1;
  state.treatment = null;
  state.slot = null;
  state.week = null;
  state.answers = {};
  state.attempt = null;
  renderAll();
  focus($("treatment-heading"));
}

// ---------------------------------------------------------------- start

async function loadVocabulary() {
  const language = lang();
  if (state.vocabulary[language]) return;
  try {
    state.vocabulary[language] = await api("catalog", "/guidance/vocabulary", { query: { locale: language } });
  } catch {
    // Without it the cards only lack "helps with" and guidance has no words to offer.
    state.vocabulary[language] = null;
  }
}

async function start() {
  setupI18n(strings);
  document.title = t("pageTitle");
  languageSwitch($("language"));
  $("guidance-toggle").addEventListener("click", toggleGuidance);
  $("previous-week").addEventListener("click", () => moveWeek(-7));
  $("next-week").addEventListener("click", () => moveWeek(7));
  $("details").addEventListener("submit", submit);
  onLanguageChange(async () => {
    await loadVocabulary();
    renderAll();
    if (state.guidance) await askGuidance();
  });
  await load();
}

async function load() {
  $("page-error").replaceChildren();
  try {
    const [treatments, locations] = await Promise.all([
      api("catalog", "/treatments"),
      api("catalog", "/locations"),
      loadVocabulary(),
    ]);
    state.treatments = treatments;
    state.locations = locations;
    if (locations.length > 1) state.location = locations[0].code;
  } catch (failure) {
    $("treatments").replaceChildren();
    $("page-error").replaceChildren(
      h(
        "div",
        { class: "notice bad" },
        h("p", {}, messageOf(failure)),
        h("button", { type: "button", class: "secondary", onclick: load }, t("tryAgain")),
      ),
    );
    return;
  }
  if (!state.treatments.length) $("treatments").replaceChildren(h("p", { class: "notice" }, t("noTreatments")));
  renderAll();
}

start();
