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
  constructor(status, body) {
    super(typeof body?.detail === "string" ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.body = body ?? {};
    // [{field: "client.email", problem: "..."}]: the field is the path inside the request body
    this.errors = Array.isArray(body?.errors) ? body.errors : [];
  }
}

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
  if (!answer.ok) throw new ApiError(answer.status, parsed);
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
  if (!answer.ok) throw new ApiError(answer.status, await answer.json().catch(() => null));
  return answer.blob();
}

export const newIdempotencyKey = () => crypto.randomUUID();

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
