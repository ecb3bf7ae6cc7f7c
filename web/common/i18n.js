// English and German. The browser's language chooses (German for any de-*), a switch overrides it
// and is remembered. Each page passes its own strings: {en: {key: "text {name}"}, de: {...}}.

const STORAGE = "clinic.lang";
export const LANGUAGES = { en: "English", de: "Deutsch" };

let strings = { en: {}, de: {} };
let current = "en";
const listeners = [];

function preferred() {
  const saved = localStorage.getItem(STORAGE);
  if (saved in LANGUAGES) return saved;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (base in LANGUAGES) return base;
  }
  return "en";
}

export function setupI18n(pageStrings) {
  strings = pageStrings;
  current = preferred();
  document.documentElement.lang = current;
  translate(document);
  return current;
}

export const lang = () => current;

// t("slotsFor", {day: "Monday"}); a missing German text falls back to English, a missing key shows itself.
export function t(key, vars = {}) {
  const text = strings[current]?.[key] ?? strings.en?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

// Elements with data-i18n get their text, data-i18n-placeholder / data-i18n-label their attributes.
export function translate(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
}

export function onLanguageChange(listener) {
  listeners.push(listener);
}

export function setLanguage(code) {
  if (!(code in LANGUAGES)) return;
  current = code;
  localStorage.setItem(STORAGE, code);
  document.documentElement.lang = code;
  translate(document);
  for (const listener of listeners) listener(code);
}

// A labelled <select> to switch language, placed into `container`.
export function languageSwitch(container) {
  const id = "language-switch";
  const label = Object.assign(document.createElement("label"), { htmlFor: id, textContent: "Language / Sprache" });
  label.className = "visually-hidden";
  const select = Object.assign(document.createElement("select"), { id });
  for (const [code, name] of Object.entries(LANGUAGES)) select.append(new Option(name, code, false, code === current));
  select.addEventListener("change", () => setLanguage(select.value));
  container.replaceChildren(label, select);
}

// The browser's own regional variant of the page's language (en-GB writes 14:00, en-US 2:00 PM);
// a browser in another language gets the variant clinics here expect.
function region() {
  for (const tag of navigator.languages ?? [navigator.language]) {
    if (String(tag).toLowerCase().split("-")[0] === current) return String(tag);
  }
  return current === "de" ? "de-DE" : "en-GB";
}

// Dates and times in the page's language and the clinic's time zone (the API says which).
export function formatDay(iso, timeZone) {
  return new Intl.DateTimeFormat(region(), { weekday: "long", day: "numeric", month: "long", timeZone }).format(
    new Date(iso),
  );
}

export function formatTime(iso, timeZone) {
  return new Intl.DateTimeFormat(region(), { hour: "2-digit", minute: "2-digit", timeZone }).format(new Date(iso));
}

export function formatPrice(price) {
  if (!price) return "";
  return new Intl.NumberFormat(region(), { style: "currency", currency: price.currency }).format(Number(price.amount));
}
