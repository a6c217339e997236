// One deal: where it stands, its plan, its details, momentum over time (from the API's own
// state ?as_of= each recorded event, so there is one definition of momentum), relationships,
// the timeline from /history, the state as of a chosen moment, the verify result and, for
// editors, the forms: record an event, edit the details, take an event back, reopen.

import { allItems, allows, ApiError, get, loads, mapLimited, requireKey, settings as loadSettings } from "./api.js";
import { lineChart } from "./charts.js";
import * as view from "./deal-view.js";
import { allowedTypes, detailsForm, NEXT_WIN_TYPES, recordingForm, retractForm } from "./forms.js";
import { eventForms } from "./schema.js";
import { announce, eventName, formatDateTime, h, instantFromInput, localInputValue, replace, score, shell, words } from "./ui.js";

const PAGE_SIZE = 20;
const MAX_CHART_POINTS = 40;
const DAY_MS = 86_400_000;
const id = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const base = `/v1/opportunities/${encodeURIComponent(id)}`;
const status = document.getElementById("status");
const els = Object.fromEntries(
  ["deal-title", "deal-meta", "standing", "relationships", "timeline", "timeline-more", "verify",
    "momentum-chart", "momentum-table", "momentum-help", "as-of-banner", "as-of-text", "as-of-clear", "as-of-form",
    "as-of-input", "as-of-error", "record", "record-heading", "record-form", "plan-body", "details-facts",
    "details-edit", "details-form"].map((name) => [name, document.getElementById(name)]),
);

let current = null; // the state now
let shown = null; // the state on screen (now, or as of a past moment)
let asOf = null; // RFC 3339 instant, or null for now
let events = [];
let byVersion = new Map();
let interactions = new Map(); // interaction id -> what it is, from its InteractionPlanned
let timelineShown = PAGE_SIZE;
let canEdit = false;
let forms = null;
let settings = null;
let recorder = null;
let editor = null;

function departments() {
  const names = new Map();
  for (const name of [...(current?.buying_departments || []), ...(current?.relationships.departments.map((d) => d.name) || [])]) {
    names.set(name.toLowerCase(), names.get(name.toLowerCase()) || name);
  }
  return [...names.values()];
}

function lists() {
  return { department: departments() };
}

function describeInteraction(interactionId) {
  return interactions.get(interactionId) || null;
}

function index() {
  byVersion = new Map(events.map((item) => [item.version, item]));
  interactions = new Map(events.filter((item) => item.type === "InteractionPlanned")
    .map((item) => [item.data.interaction_id, view.interactionText(item.data)]));
}

/** Open the recording form on `type` (with some values chosen) and bring it into view. */
function go(type, values = {}) {
  recorder.choose(type, values);
  els.record.scrollIntoView({ block: "start" });
}

function renderState() {
  els["deal-title"].textContent = shown.title;
  document.title = `${shown.title} · smallwins`;
  els["deal-meta"].textContent = view.meta(shown);
  const editable = canEdit && !asOf;
  replace(els.standing, view.standing(shown, {
    settings,
    byVersion,
    onRecordNext: editable ? () => go(NEXT_WIN_TYPES[current.next_small_win]) : null,
  }));
  replace(els["plan-body"], view.plan(shown, { allowed: editable ? allowedTypes(forms, current) : [], go: editable ? go : null }));
  replace(els["details-facts"], view.details(shown));
  replace(els.relationships, view.relationships(shown));
  els["details-edit"].disabled = !editable;
  els["as-of-banner"].hidden = !asOf;
  if (asOf) {
    replace(els["as-of-text"], "Showing the deal as it was recorded at ", h("strong", {}, formatDateTime(asOf)),
      ` (${shown.version} of its ${current.version} events). Events recorded later are marked in the timeline.`);
  }
  const closed = current.status === "won" || current.status === "lost";
  els["record-heading"].textContent = closed ? "Reopen the deal" : "Record an event";
  els["record-form"].inert = Boolean(asOf);
  els["record-form"].classList.toggle("is-disabled", Boolean(asOf));
}

function takeBack(item, close) {
  return retractForm({
    opportunityId: id,
    forms,
    getState: () => current,
    version: item.version,
    name: eventName(item.version, item),
    describeInteraction,
    onCancel: close,
    onRecorded: async (state) => {
      current = state;
      await afterWrite(`Took back ${eventName(item.version, item)}. Stage: ${words(state.stage)}; momentum ${score(state.momentum.score)}.`);
    },
  });
}

function renderTimeline() {
  const newestFirst = [...events].reverse();
  const context = { asOf, onAsOf: showAsOf, byVersion, describeInteraction, currency: current.currency, takeBack: canEdit ? takeBack : null };
  replace(els.timeline, newestFirst.slice(0, timelineShown).map((item) => view.timelineItem(item, context)));
  els.timeline.setAttribute("start", String(events.length));
  els["timeline-more"].hidden = timelineShown >= events.length;
}

async function loadVerify() {
  try {
    replace(els.verify, view.verifyResult(await get(`${base}/verify`)));
  } catch (error) {
    replace(els.verify, h("p", { class: "is-error" }, `Could not verify: ${error.message}`));
  }
}

/** The instants to ask ?as_of= about, up to `end`: each recorded event (the latest ones when
 * there are many), a few evenly spaced moments so decay shows between them, and `end`. */
function chartInstants(end) {
  const limit = new Date(end).getTime();
  const recorded = [...new Set(events.map((item) => item.recorded_at))]
    .filter((at) => new Date(at).getTime() < limit).slice(-(MAX_CHART_POINTS - 12));
  const first = new Date(recorded[0] || end).getTime();
  const spaced = [];
  for (let i = 1; i <= 10 && limit > first; i += 1) {
    spaced.push(new Date(first + ((limit - first) * i) / 11).toISOString());
  }
  const all = [...recorded.map((at) => ({ at, marked: true })), ...spaced.map((at) => ({ at, marked: false })), { at: end, marked: true }];
  return all.sort((a, b) => new Date(a.at) - new Date(b.at));
}

const dayText = (days) => (Math.abs(days) >= 10 ? days.toFixed(0) : days.toFixed(1)).replace(/\.0$/, "");

const momentumLoads = loads();

async function loadMomentum() {
  if (!events.length) return;
  const turn = momentumLoads.begin();
  const end = asOf || new Date().toISOString();
  const opened = new Date(current.opened_at).getTime();
  const recordedItems = new Map(events.map((item) => [item.recorded_at, item]));
  const points = (await mapLimited(chartInstants(end), 6, async ({ at, marked }) => {
    try {
      const state = await get(base, { as_of: at });
      const item = recordedItems.get(at);
      const what = [
        item ? `after ${words(item.type).toLowerCase()} (${eventName(item.version, null)})` : "",
        at === end ? (asOf ? "the moment shown" : "now") : "",
      ].filter(Boolean).join(", ");
      const day = (new Date(at).getTime() - opened) / DAY_MS;
      return { x: day, at: new Date(at), value: state.momentum.score, marked, what,
        label: `Day ${dayText(day)} (${formatDateTime(at)}) ${what}: ${score(state.momentum.score)}` };
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  })).filter(Boolean);
  if (momentumLoads.stale(turn) || !points.length) return; // stale: another moment's chart
  const highest = points.reduce((a, b) => (b.value > a.value ? b : a));
  const last = points.at(-1);
  const endWords = asOf ? `at the moment shown (day ${dayText(last.x)})` : `now (day ${dayText(last.x)})`;
  const description = `Momentum went from ${score(points[0].value)} on day ${dayText(points[0].x)} to ${score(last.value)} ${endWords}; the highest was ${score(highest.value)} on day ${dayText(highest.x)}.`;
  const lag = Math.max(...events.map((item) => new Date(item.recorded_at) - new Date(item.occurred_at)));
  const until = asOf ? ` It stops at ${formatDateTime(asOf)}, the moment shown.` : "";
  els["momentum-help"].textContent = (lag > DAY_MS
    ? `The momentum score as the service reported it after each recorded event, and ${asOf ? "then" : "now"}, by days since the deal was opened. Some events were recorded up to ${Math.round(lag / DAY_MS)} days after they happened, so the line rises when they were recorded; the timeline shows when each happened.`
    : `The momentum score as the service reported it after each recorded event, and ${asOf ? "then" : "now"}, by days since the deal was opened.`) + until;
  lineChart(els["momentum-chart"], points, { title: "Momentum over time", description, xTitle: "Days since the deal was opened" });
  replace(els["momentum-table"], h("table", { class: "grid-table" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Day"), h("th", { scope: "col" }, "Moment"), h("th", { scope: "col" }, "Momentum"), h("th", { scope: "col" }, "Event"))),
    h("tbody", {}, points.filter((p) => p.marked).map((p) => h("tr", {},
      h("td", {}, dayText(p.x)), h("td", {}, formatDateTime(p.at)), h("td", {}, score(p.value)), h("td", {}, p.what))))));
}

/** Everything again (after a write, or on load). */
async function refresh() {
  const [state, history] = await Promise.all([get(base), allItems(`${base}/history`, { limit: 100 }, 200)]);
  current = state;
  events = history;
  index();
  shown = asOf ? await get(base, { as_of: asOf }) : current;
  renderState();
  if (recorder) recorder.render();
  renderTimeline();
  await Promise.all([loadMomentum(), loadVerify()]);
}

async function afterWrite(message) {
  if (asOf) asOf = null;
  try {
    await refresh();
  } catch (error) {
    announce(status, `Recorded, but the page could not refresh: ${error.message}. Reload the page.`, "error");
    return;
  }
  announce(status, message);
}

function asOfError(message) {
  els["as-of-error"].textContent = message;
  els["as-of-input"].setAttribute("aria-invalid", "true");
  els["as-of-input"].focus();
}

const asOfLoads = loads();

async function showAsOf(instant) {
  const turn = asOfLoads.begin();
  els["as-of-error"].textContent = "";
  els["as-of-input"].removeAttribute("aria-invalid");
  if (instant && new Date(instant) > new Date()) {
    asOfError("That moment is in the future: choose one up to now.");
    return;
  }
  let found;
  try {
    found = instant ? await get(base, { as_of: instant }) : current;
  } catch (error) {
    if (asOfLoads.stale(turn)) return;
    if (error instanceof ApiError && error.status === 404) {
      asOfError(`Nothing had been recorded about this deal by then; its first event was recorded ${formatDateTime(events[0].recorded_at)}.`);
      return;
    }
    throw error;
  }
  if (asOfLoads.stale(turn)) return; // another moment was asked for meanwhile
  shown = found;
  asOf = instant;
  els["as-of-input"].value = instant ? localInputValue(new Date(instant)) : "";
  const url = new URL(location.href);
  if (instant) url.searchParams.set("as_of", instant);
  else url.searchParams.delete("as_of");
  window.history.replaceState(null, "", url);
  renderState();
  if (events.length) renderTimeline();
  announce(status, instant ? `Showing the deal as recorded at ${formatDateTime(instant)}: stage ${words(shown.stage)}.` : "Showing the deal now.");
  await loadMomentum();
}

function setUpEditing() {
  recorder = recordingForm(els["record-form"], {
    opportunityId: id,
    forms,
    getState: () => current,
    lists,
    describeInteraction,
    onRecorded: async (state, type) => {
      current = state;
      const next = state.next_small_win ? `next small win: ${words(state.next_small_win)}` : "no small win left to reach";
      await afterWrite(`Recorded ${words(type).toLowerCase()}. Status ${words(state.status).toLowerCase()}; stage: ${words(state.stage)}; ${next}; momentum ${score(state.momentum.score)}.`);
    },
  });
  const toggle = els["details-edit"];
  const form = els["details-form"];
  const close = () => {
    form.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    toggle.focus();
  };
  editor = detailsForm(form, {
    opportunityId: id,
    forms,
    getState: () => current,
    lists,
    onCancel: close,
    onRecorded: async (state, _type, changed) => {
      current = state;
      form.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
      await afterWrite(`Changed the ${changed.map((name) => words(name).toLowerCase()).join(", ")}.`);
    },
  });
  toggle.addEventListener("click", () => {
    const opening = form.hidden;
    if (opening) editor.render();
    form.hidden = !opening;
    toggle.setAttribute("aria-expanded", String(opening));
    if (opening) form.querySelector("input, select, textarea").focus();
  });
}

async function start() {
  if (!requireKey()) return;
  const who = await shell();
  canEdit = allows(who.role, "editor");
  [settings, forms] = await Promise.all([loadSettings(), canEdit ? eventForms() : null]);
  if (canEdit) setUpEditing();
  const wanted = new URLSearchParams(location.search).get("as_of");
  asOf = wanted && new Date(wanted) <= new Date() ? wanted : null;
  els["as-of-input"].max = localInputValue();
  if (asOf) els["as-of-input"].value = localInputValue(new Date(asOf));
  els["timeline-more"].addEventListener("click", () => {
    timelineShown += PAGE_SIZE;
    renderTimeline();
  });
  els["as-of-form"].addEventListener("submit", (event) => {
    event.preventDefault();
    const instant = instantFromInput(els["as-of-input"].value);
    if (!instant) {
      asOfError("Choose a date and time.");
      return;
    }
    showAsOf(instant);
  });
  els["as-of-clear"].addEventListener("click", () => showAsOf(null));
  try {
    await refresh();
    announce(status, `${current.title}: ${words(current.status).toLowerCase()}, stage ${words(current.stage)}.`);
    if (wanted && !asOf) asOfError("That moment is in the future: showing the deal now.");
  } catch (error) {
    const missing = error instanceof ApiError && error.status === 404;
    announce(status, missing ? "There is no deal with this id." : `Could not load the deal: ${error.message}`, "error");
  }
}

start().catch((error) => announce(status, `Could not load the page: ${error.message}`, "error"));
