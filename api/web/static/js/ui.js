// Small DOM helpers and the words the pages use for the API's names (DESIGN sections 2-4).

import { signOut, SIGN_IN_PATH } from "./api.js";

/** h("a", {href: "/x", class: "c"}, "text", child) -> an element. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export const RUNGS = ["meeting", "customer_data", "decision_makers", "demo", "verbal_commitment"];
export const STAGES = ["none", ...RUNGS];

const WORDS = {
  none: "No small win yet",
  meeting: "Meeting",
  customer_data: "Customer data",
  decision_makers: "Decision makers",
  demo: "Demo",
  verbal_commitment: "Verbal commitment",
  contacted: "Contacted",
  bought_in: "Bought in",
  decision_maker: "Decision maker",
  rising: "rising",
  falling: "falling",
  steady: "steady",
};

/** "customer_data" -> "Customer data"; "MeetingGained" -> "Meeting gained". */
export function words(name) {
  if (name === null || name === undefined) return "";
  if (WORDS[name]) return WORDS[name];
  const spaced = String(name)
    .replace(/_/g, " ")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export const TREND_ARROWS = { rising: "↑", falling: "↓", steady: "→" };

const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** A <time> element for an RFC 3339 instant (or a date), shown in the reader's time zone. */
export function time(value, { dateOnly = false } = {}) {
  if (!value) return h("span", {}, "—");
  const parsed = new Date(dateOnly && value.length === 10 ? `${value}T00:00:00` : value);
  if (Number.isNaN(parsed.getTime())) return h("span", {}, value);
  return h("time", { datetime: value }, (dateOnly ? DATE : DATE_TIME).format(parsed));
}

export function formatDate(value) {
  return DATE.format(new Date(value));
}

export function formatDateTime(value) {
  return DATE_TIME.format(new Date(value));
}

export function money(amount, currency) {
  if (amount === null || amount === undefined) return "";
  try {
    return new Intl.NumberFormat(undefined, {
      style: "currency",
      currency: currency || "USD",
      maximumFractionDigits: 0,
    }).format(amount);
  } catch {
    return `${amount} ${currency || ""}`.trim();
  }
}

export function percent(rate) {
  return rate === null || rate === undefined ? "—" : `${Math.round(rate * 100)}%`;
}

export function score(value) {
  return Number(value || 0).toFixed(2);
}

/** A badge: short visible text; the text is read as-is by screen readers. */
export function badge(text, kind) {
  return h("span", { class: `badge badge-${kind}` }, text);
}

/** Put a message in a live region (polite status, or an alert for errors). */
export function announce(region, message, kind = "info") {
  region.classList.toggle("is-error", kind === "error");
  region.textContent = message;
}

/** The header every page shares: which page is current, and signing out. */
export function shell() {
  const button = document.getElementById("sign-out");
  if (button) {
    button.addEventListener("click", () => {
      signOut();
      location.assign(SIGN_IN_PATH);
    });
  }
  for (const link of document.querySelectorAll("nav a[href]")) {
    const target = link.getAttribute("href");
    const current =
      target === "/app/"
        ? location.pathname === "/app/" || location.pathname.startsWith("/app/deals/")
        : location.pathname === target;
    if (current) link.setAttribute("aria-current", "page");
  }
}

/** Local value for <input type="datetime-local"> from an instant (or now). */
export function localInputValue(date = new Date()) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 19);
}

/** RFC 3339 (UTC) from an <input type="datetime-local"> value, or null when empty/invalid. */
export function instantFromInput(value) {
  if (!value) return null;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString();
}
