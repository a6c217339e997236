// Small DOM helpers and the words the pages use for the API's names (DESIGN sections 2-4).

import { allows, followOtherTabs, me, signOut, SIGN_IN_PATH } from "./api.js";

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

/** The pages of the main navigation, in order (one list: a new page adds one line). */
export const NAV = [
  { href: "/app/", label: "Pipeline", current: (path) => path === "/app/" || path.startsWith("/app/deals/") },
  { href: "/app/week", label: "My week" },
  { href: "/app/accounts", label: "Accounts", current: (path) => path === "/app/accounts" || path.startsWith("/app/accounts/") },
  { href: "/app/changes", label: "What changed" },
  { href: "/app/analysis", label: "Win analysis" },
];

/**
 * The header every page shares: the navigation, who is signed in, and signing out. Shows
 * the elements marked `data-needs-role="editor"` (or "admin") to keys of that role or
 * higher only. Resolves to the signed-in key's {name, role}.
 */
export async function shell() {
  followOtherTabs();
  const nav = document.querySelector("header nav[aria-label=Main] ul");
  if (nav) {
    replace(nav, NAV.map((page) => {
      const current = page.current ? page.current(location.pathname) : location.pathname === page.href;
      return h("li", {}, h("a", { href: page.href, "aria-current": current ? "page" : null }, page.label));
    }));
  }
  const button = document.getElementById("sign-out");
  if (button) {
    button.addEventListener("click", () => {
      signOut();
      location.assign(SIGN_IN_PATH);
    });
  }
  const who = await me();
  const badgeSlot = document.getElementById("signed-in");
  if (badgeSlot) replace(badgeSlot, "Signed in as ", h("strong", {}, who.name), ` (${who.role})`);
  document.body.dataset.role = who.role;
  for (const element of document.querySelectorAll("[data-needs-role]")) {
    element.hidden = !allows(who.role, element.dataset.needsRole);
  }
  return who;
}

/** "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", ... */
export function ordinal(n) {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : { 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th";
  return `${n}${suffix}`;
}

/** An event named in prose: "the 12th event (Meeting gained, Nov 30, 2026)". */
export function eventName(version, item) {
  const what = item ? ` (${words(item.type)}, ${formatDate(item.occurred_at)})` : "";
  return `the ${ordinal(version)} event${what}`;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * A message of the server's, said in the pages' words: "version 6 (InteractionCompleted)"
 * becomes "the 6th event (Interaction completed)", an interaction's id its description.
 * `describeInteraction(id)` names a planned interaction (or null).
 */
export function plainWords(message, describeInteraction = () => null) {
  return String(message || "")
    .replace(/\bversion (\d+)(?: \((\w+)\))?/g, (_m, n, type) => `the ${ordinal(Number(n))} event${type ? ` (${words(type)})` : ""}`)
    .replace(UUID, (id) => describeInteraction(id.toLowerCase()) || "a planned interaction");
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
