// The one way the pages talk to the /v1 API: the API key from localStorage (kept for this
// browser until signing out, never put in a URL) as a bearer token, JSON in and out,
// RFC 9457 problem documents turned into ApiError. Also what every page asks once: who is
// signed in (/v1/me), the settings the numbers are computed with, and the OpenAPI document
// the forms are generated from.

const KEY_ITEM = "smallwins.apiKey";
export const SIGN_IN_PATH = "/app/sign-in";

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }

  /** Field errors of a 422: [{field, message}] with the field path below the body. */
  get fieldErrors() {
    return (this.problem.errors || []).map((error) => ({
      field: fieldName(error),
      message: error.message || "is not valid",
    }));
  }
}

function fieldName(error) {
  if (Array.isArray(error.loc) && error.loc.length > 1 && ["body", "query"].includes(error.loc[0])) {
    return String(error.loc[1]);
  }
  return String(error.field || "").split(".")[0];
}

export function apiKey() {
  return localStorage.getItem(KEY_ITEM);
}

export function storeKey(key) {
  localStorage.setItem(KEY_ITEM, key);
}

export function signOut() {
  localStorage.removeItem(KEY_ITEM);
}

/** Another tab signed out (or in as someone else): this one follows. */
export function followOtherTabs() {
  window.addEventListener("storage", (event) => {
    if (event.key !== KEY_ITEM && event.key !== null) return;
    if (!apiKey()) goToSignIn();
    else if (event.oldValue && event.newValue !== event.oldValue) location.reload();
  });
}

/** A same-site path to come back to after signing in (never another origin). */
export function safeNext(value) {
  return typeof value === "string" && /^\/app(\/|$)/.test(value) && !value.startsWith("//")
    ? value
    : "/app/";
}

export function goToSignIn() {
  const here = location.pathname + location.search;
  location.assign(`${SIGN_IN_PATH}?next=${encodeURIComponent(safeNext(here))}`);
}

/** Stop here and go to the sign-in page when no key is held. */
export function requireKey() {
  if (!apiKey()) {
    goToSignIn();
    return false;
  }
  return true;
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/**
 * fetch() against /v1 with the key. Resolves to {data, headers, status}; rejects with ApiError
 * (and, on 401, forgets the key and goes to the sign-in page).
 */
export async function request(path, { method = "GET", body, headers = {}, key } = {}) {
  const token = key || apiKey();
  const sent = { Accept: "application/json", Authorization: `Bearer ${token}`, ...headers };
  if (body !== undefined) sent["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, { title: "The server did not answer", detail: String(error.message) });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text.slice(0, 200) };
    }
  }
  if (!response.ok) {
    if (response.status === 401 && !key) {
      signOut();
      goToSignIn();
    }
    throw new ApiError(response.status, data);
  }
  return { data, headers: response.headers, status: response.status };
}

export async function get(path, params = {}) {
  return (await request(path + query(params))).data;
}

/**
 * Numbers a page's loads of one thing: `begin()` when a load is asked, `stale(turn)` once its
 * answer is in. An answer to a load asked before the latest is dropped, never shown over the
 * latest one's (the page's first load still on its way when the reader changes a filter).
 */
export function loads() {
  let asked = 0;
  return { begin: () => (asked += 1), stale: (turn) => turn !== asked };
}

/** Every item of a list, following next_cursor to the end (at most `maxPages` pages). */
export async function allItems(path, params = {}, maxPages = 50) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page += 1) {
    const data = await get(path, cursor ? { ...params, cursor } : params);
    items.push(...data.items);
    cursor = data.next_cursor;
    if (!cursor) break;
  }
  return items;
}

/** Run `work` over `inputs` with at most `limit` requests in flight; results in order. */
export async function mapLimited(inputs, limit, work) {
  const results = new Array(inputs.length);
  let next = 0;
  async function worker() {
    while (next < inputs.length) {
      const index = next;
      next += 1;
      results[index] = await work(inputs[index], index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return results;
}

const once = new Map();
function remembered(name, load) {
  if (!once.has(name)) {
    const promise = load();
    promise.catch(() => once.delete(name)); // a failure is asked again next time
    once.set(name, promise);
  }
  return once.get(name);
}

/** Who is signed in: {name, role} of the key (asked once per page). */
export function me() {
  return remembered("me", () => get("/v1/me"));
}

/** The settings momentum and stalls are computed with: {momentum: {half_life_days, ...}}. */
export function settings() {
  return remembered("settings", () => get("/v1/settings"));
}

/** The API's OpenAPI document (public): the forms are generated from its request bodies. */
export function openapi() {
  return remembered("openapi", async () => {
    const response = await fetch("/openapi.json", { headers: { Accept: "application/json" } });
    if (!response.ok) throw new ApiError(response.status, { title: "No OpenAPI document" });
    return response.json();
  });
}

const RANKS = { viewer: 0, editor: 1, admin: 2 };

/** Whether a key of `role` may do what `needed` may (viewer < editor < admin). */
export function allows(role, needed) {
  return (RANKS[role] ?? -1) >= (RANKS[needed] ?? Infinity);
}

function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * POSTs that can be retried safely: a body sent again after no answer came goes with the
 * same Idempotency-Key, so it is recorded once. One sender per form.
 */
export function sender() {
  let pending = null; // {path, body, key}: a request whose answer never came
  return async function send(path, body, headers = {}) {
    const serialized = JSON.stringify(body);
    const same = pending && pending.path === path && pending.body === serialized;
    const key = same ? pending.key : idempotencyKey();
    pending = { path, body: serialized, key };
    try {
      const answer = await request(path, { method: "POST", body, headers: { ...headers, "Idempotency-Key": key } });
      pending = null;
      return answer;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 0) pending = null;
      throw error;
    }
  };
}
