// The one way the pages talk to the /v1 API: the API key from sessionStorage as a bearer
// token, JSON in and out, RFC 9457 problem documents turned into ApiError.

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
  if (Array.isArray(error.loc) && error.loc.length > 1 && error.loc[0] === "body") {
    return String(error.loc[1]);
  }
  return String(error.field || "").split(".")[0];
}

export function apiKey() {
  return sessionStorage.getItem(KEY_ITEM);
}

export function storeKey(key) {
  sessionStorage.setItem(KEY_ITEM, key);
}

export function signOut() {
  sessionStorage.removeItem(KEY_ITEM);
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
