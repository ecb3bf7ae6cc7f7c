// The three services' public HTTP APIs, as a browser calls them. Where they live comes from
// /config.json (served beside the pages); every call answers parsed JSON or throws an ApiError
// carrying the API's own message (`detail`) and, for 422s, which field is wrong (`errors`).

let configPromise;

export function config() {
  configPromise ??= fetch("/config.json", { cache: "no-store" }).then((answer) => {
    if (!answer.ok) throw new Error(`config.json: ${answer.status}`);
    return answer.json();
  });
  return configPromise;
}

export class ApiError extends Error {
  constructor(status, body, headers) {
    super(typeof body?.detail === "string" ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.body = body ?? {};
    // [{field: "client.email", problem: "..."}]: the field is the path inside the request body
    this.errors = Array.isArray(body?.errors) ? body.errors : [];
    // A 429's or 503's Retry-After in whole seconds (the APIs expose the header to the pages), else null.
    this.retryAfter = retryAfterSeconds(headers?.get?.("Retry-After"));
  }
}

function retryAfterSeconds(value) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const when = Date.parse(value); // the HTTP-date form: only the difference to now matters
  return Number.isNaN(when) ? null : Math.max(0, Math.ceil((when - Date.now()) / 1000));
}

// A staff member's sign-in (the desk's session token), as the three APIs take it.
export const bearer = (token) => (token ? { Authorization: `Bearer ${token}` } : {});

// A request that never reached the API, or whose answer never came back: safe to retry only
// with the same Idempotency-Key.
export class NetworkError extends Error {}

export async function api(service, path, { method = "GET", body, headers = {}, query } = {}) {
  const base = (await config())[service];
  const url = new URL(base + path);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  let answer;
  try {
    answer = await fetch(url, init);
  } catch (error) {
    throw new NetworkError(error.message);
  }
  const text = await answer.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { detail: text };
  }
  if (!answer.ok) throw new ApiError(answer.status, parsed, answer.headers);
  return parsed;
}

// The raw answer (e.g. a calendar file) with the same error handling.
export async function apiBlob(service, path, { headers = {} } = {}) {
  const base = (await config())[service];
  let answer;
  try {
    answer = await fetch(base + path, { headers });
  } catch (error) {
    throw new NetworkError(error.message);
  }
  if (!answer.ok) throw new ApiError(answer.status, await answer.json().catch(() => null), answer.headers);
  return answer.blob();
}

export const newIdempotencyKey = () => crypto.randomUUID();

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
