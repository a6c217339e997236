// "What changed": the pipeline review of a week from GET /v1/pipeline/changes?from=&to=
// (the week's Monday 00:00 in the reader's time zone to the next Monday, or now for this
// week), optionally for one owner or account: the count of each kind, and the deals grouped
// by kind. Every page of items is followed (up to MAX_PAGES pages).

import { ApiError, get, loads, requireKey, settings as loadSettings } from "./api.js";
import { groups, summary } from "./changes-view.js";
import { announce, formatDateTime, h, replace, shell } from "./ui.js";
import { localStart, mondayOf, shifted, weekOf, weekSpan } from "./weeks.js";

const MAX_PAGES = 20;
const form = document.getElementById("changes-picker");
const status = document.getElementById("status");
const weekError = document.getElementById("changes-week-error");
const els = Object.fromEntries(["changes-title", "summary", "groups", "changes-previous", "changes-next"]
  .map((id) => [id, document.getElementById(id)]));

let settings = null;
let shownWeek = null;

async function review(params) {
  const first = await get("/v1/pipeline/changes", { ...params, limit: 500 });
  const items = [...first.items];
  let cursor = first.next_cursor;
  for (let page = 1; cursor && page < MAX_PAGES; page += 1) {
    const next = await get("/v1/pipeline/changes", { ...params, limit: 500, cursor });
    items.push(...next.items);
    cursor = next.next_cursor;
  }
  return { ...first, items, complete: !cursor };
}

function refuse(message) {
  weekError.textContent = message;
  form.elements.week.setAttribute("aria-invalid", "true");
  form.elements.week.focus();
  announce(status, `Not shown: ${message}`, "error");
}

function saveAddress(week) {
  const search = new URLSearchParams();
  if (week) search.set("week", week);
  for (const name of ["owner", "account"]) if (form.elements[name].value.trim()) search.set(name, form.elements[name].value.trim());
  history.replaceState(null, "", `${location.pathname}${search.size ? `?${search}` : ""}`);
}

const reviewLoads = loads();

async function show(wanted) {
  const turn = reviewLoads.begin();
  weekError.textContent = "";
  form.elements.week.removeAttribute("aria-invalid");
  const thisWeek = weekOf();
  const week = wanted || thisWeek;
  if (!mondayOf(week)) return refuse("write the week like 2026-W49.");
  const start = localStart(week);
  if (start > new Date()) return refuse(`${week} has not started yet.`);
  const end = localStart(shifted(week, 1));
  const current = end > new Date();
  form.elements.week.value = wanted || "";
  shownWeek = week;
  els["changes-next"].disabled = current;
  saveAddress(wanted);
  const params = {
    from: start.toISOString(),
    to: current ? undefined : end.toISOString(),
    owner: form.elements.owner.value.trim(),
    account: form.elements.account.value.trim(),
  };
  announce(status, "Loading what changed…");
  try {
    const answer = await review(params);
    if (reviewLoads.stale(turn)) return undefined;
    const span = current ? `${formatDateTime(start)} to now` : weekSpan(week);
    els["changes-title"].textContent = `What changed in ${week}`;
    document.title = `What changed in ${week} · smallwins`;
    replace(els.summary, h("p", { class: "summary" }, `${span}${params.owner ? `, ${params.owner}'s deals` : ""}${params.account ? `, ${params.account}` : ""}.`),
      summary(answer.summary, settings));
    replace(els.groups, answer.items.length ? groups(answer.items) : h("p", { class: "empty panel" }, "No deal changed in this period."));
    const more = answer.complete ? "" : ` Showing the first ${answer.items.length}: narrow it by owner or account to see the rest.`;
    announce(status, `${answer.items.length} deal${answer.items.length === 1 ? "" : "s"} changed in ${week}${current ? " so far" : ""}.${more}`);
  } catch (error) {
    if (reviewLoads.stale(turn)) return undefined;
    replace(els.summary);
    replace(els.groups);
    if (error instanceof ApiError && error.status === 404) {
      announce(status, "This server does not offer the pipeline review yet (/v1/pipeline/changes).", "error");
    } else if (error instanceof ApiError && error.status === 422) {
      announce(status, `Check the week and filters: ${error.message}`, "error");
    } else {
      announce(status, `Could not load what changed: ${error.message}`, "error");
    }
  }
  return undefined;
}

async function start() {
  if (!requireKey()) return;
  await shell();
  settings = await loadSettings();
  const params = new URLSearchParams(location.search);
  for (const name of ["owner", "account"]) form.elements[name].value = params.get(name) || "";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show(form.elements.week.value.trim());
  });
  els["changes-previous"].addEventListener("click", () => shownWeek && show(shifted(shownWeek, -1)));
  els["changes-next"].addEventListener("click", () => {
    if (!shownWeek) return;
    const next = shifted(shownWeek, 1);
    show(next === weekOf() ? "" : next);
  });
  await show(params.get("week") || "");
}

start().catch((error) => announce(status, `Could not load the page: ${error.message}`, "error"));
