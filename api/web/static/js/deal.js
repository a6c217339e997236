// One deal: where it stands, momentum over time (from the API's own state ?as_of= each
// recorded event, so there is one definition of momentum), relationships, the timeline from
// /history, the state as of a chosen moment, the verify result, and the recording form.

import { allItems, ApiError, get, mapLimited, requireKey } from "./api.js";
import { lineChart } from "./charts.js";
import * as view from "./deal-view.js";
import { NEXT_WIN_TYPES, recordingForm } from "./forms.js";
import { announce, formatDateTime, h, instantFromInput, localInputValue, replace, score, shell, words } from "./ui.js";

const PAGE_SIZE = 20;
const MAX_CHART_POINTS = 40;
const id = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const base = `/v1/opportunities/${encodeURIComponent(id)}`;
const status = document.getElementById("status");
const els = Object.fromEntries(
  ["deal-title", "deal-meta", "standing", "relationships", "timeline", "timeline-more", "verify",
    "momentum-chart", "momentum-table", "as-of-banner", "as-of-text", "as-of-clear", "as-of-form",
    "as-of-input", "as-of-error", "record-form"].map((name) => [name, document.getElementById(name)]),
);

let current = null; // the state now
let shown = null; // the state on screen (now, or as of a past moment)
let asOf = null; // RFC 3339 instant, or null for now
let events = [];
let timelineShown = PAGE_SIZE;
let recorder = null;

function departments() {
  const names = new Map();
  for (const name of [...(current?.buying_departments || []), ...(current?.relationships.departments.map((d) => d.name) || [])]) {
    names.set(name.toLowerCase(), names.get(name.toLowerCase()) || name);
  }
  return [...names.values()];
}

function renderState() {
  els["deal-title"].textContent = shown.title;
  document.title = `${shown.title} · smallwins`;
  els["deal-meta"].textContent = view.meta(shown);
  replace(els.standing, view.standing(shown, {
    onRecordNext: asOf ? null : () => {
      recorder.choose(NEXT_WIN_TYPES[current.next_small_win]);
      document.getElementById("record").scrollIntoView({ block: "start" });
    },
  }));
  replace(els.relationships, view.relationships(shown));
  els["as-of-banner"].hidden = !asOf;
  if (asOf) {
    replace(els["as-of-text"], "Showing the deal as it was recorded at ", h("strong", {}, formatDateTime(asOf)),
      ` (version ${shown.version} of ${current.version}). Events recorded later are marked in the timeline.`);
  }
  const fieldset = els["record-form"];
  fieldset.inert = Boolean(asOf);
  fieldset.classList.toggle("is-disabled", Boolean(asOf));
}

function renderTimeline() {
  const newestFirst = [...events].reverse();
  replace(els.timeline, newestFirst.slice(0, timelineShown).map((item) => view.timelineItem(item, { asOf, onAsOf: showAsOf })));
  els.timeline.setAttribute("start", String(events.length));
  els["timeline-more"].hidden = timelineShown >= events.length;
}

async function loadHistory() {
  events = await allItems(`${base}/history`, { limit: 100 }, 200);
  renderTimeline();
}

async function loadVerify() {
  try {
    replace(els.verify, view.verifyResult(await get(`${base}/verify`)));
  } catch (error) {
    replace(els.verify, h("p", { class: "is-error" }, `Could not verify: ${error.message}`));
  }
}

/** The instants to ask ?as_of= about: each recorded event (the latest ones when there are
 * many), a few evenly spaced moments so decay shows between them, and now. */
function chartInstants(now) {
  const recorded = [...new Set(events.map((item) => item.recorded_at))].slice(-(MAX_CHART_POINTS - 12));
  const first = new Date(recorded[0]).getTime();
  const last = new Date(now).getTime();
  const spaced = [];
  for (let i = 1; i <= 10 && last > first; i += 1) {
    spaced.push(new Date(first + ((last - first) * i) / 11).toISOString());
  }
  const all = [...recorded.map((at) => ({ at, marked: true })), ...spaced.map((at) => ({ at, marked: false })), { at: now, marked: true }];
  return all.sort((a, b) => new Date(a.at) - new Date(b.at));
}

async function loadMomentum() {
  if (!events.length) return;
  const now = new Date().toISOString();
  const instants = chartInstants(now);
  const byRecorded = new Map(events.map((item) => [item.recorded_at, item]));
  const points = (await mapLimited(instants, 6, async ({ at, marked }) => {
    try {
      const state = await get(base, { as_of: at });
      const item = byRecorded.get(at);
      const what = item ? `after v${item.version} ${words(item.type)}` : at === now ? "now" : "";
      return { at: new Date(at), value: state.momentum.score, marked, label: `${formatDateTime(at)} ${what}: ${score(state.momentum.score)}`, what };
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  })).filter(Boolean);
  if (!points.length) return;
  const highest = points.reduce((a, b) => (b.value > a.value ? b : a));
  const description = `Momentum went from ${score(points[0].value)} on ${formatDateTime(points[0].at)} to ${score(points.at(-1).value)} now; the highest was ${score(highest.value)} on ${formatDateTime(highest.at)}.`;
  const lag = Math.max(...events.map((item) => new Date(item.recorded_at) - new Date(item.occurred_at)));
  document.getElementById("momentum-help").textContent = lag > 86_400_000
    ? `The momentum score as the service reported it after each recorded event, and now. Some events were recorded up to ${Math.round(lag / 86_400_000)} days after they happened, so the line starts when they were recorded; the timeline shows when each happened.`
    : "The momentum score as the service reported it after each recorded event, and now.";
  lineChart(els["momentum-chart"], points, { title: "Momentum over time", description });
  replace(els["momentum-table"], h("table", { class: "grid-table" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Moment"), h("th", { scope: "col" }, "Momentum"), h("th", { scope: "col" }, "Event"))),
    h("tbody", {}, points.filter((p) => p.marked).map((p) => h("tr", {},
      h("td", {}, formatDateTime(p.at)), h("td", {}, score(p.value)), h("td", {}, p.what))))));
}

async function loadState() {
  current = await get(base);
  shown = asOf ? await get(base, { as_of: asOf }) : current;
}

/** Everything again (after a write, or on load); the timeline, chart and verify follow. */
async function refresh() {
  await loadState();
  renderState();
  recorder.render();
  await loadHistory();
  await Promise.all([loadMomentum(), loadVerify()]);
}

async function showAsOf(instant) {
  els["as-of-error"].textContent = "";
  els["as-of-input"].removeAttribute("aria-invalid");
  try {
    shown = instant ? await get(base, { as_of: instant }) : current;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      els["as-of-error"].textContent = `Nothing had been recorded about this deal by then; its first event was recorded ${formatDateTime(events[0].recorded_at)}.`;
      els["as-of-input"].setAttribute("aria-invalid", "true");
      els["as-of-input"].focus();
      return;
    }
    throw error;
  }
  asOf = instant;
  els["as-of-input"].value = instant ? localInputValue(new Date(instant)) : "";
  const url = new URL(location.href);
  if (instant) url.searchParams.set("as_of", instant);
  else url.searchParams.delete("as_of");
  if (events.length) renderTimeline();
  window.history.replaceState(null, "", url);
  renderState();
  announce(status, instant ? `Showing the deal as recorded at ${formatDateTime(instant)}: stage ${words(shown.stage)}.` : "Showing the deal now.");
}

async function start() {
  if (!requireKey()) return;
  shell();
  asOf = new URLSearchParams(location.search).get("as_of");
  if (asOf) els["as-of-input"].value = localInputValue(new Date(asOf));
  recorder = recordingForm(els["record-form"], {
    opportunityId: id,
    getState: () => current,
    departments,
    onRecorded: async (state, type) => {
      current = state;
      shown = state;
      if (asOf) await showAsOf(null);
      try {
        await refresh();
      } catch (error) {
        announce(status, `Recorded ${words(type).toLowerCase()}, but the page could not refresh: ${error.message}. Reload the page.`, "error");
        return;
      }
      announce(status, `Recorded ${words(type).toLowerCase()} (version ${state.version}). Stage: ${words(state.stage)}; next small win: ${words(state.next_small_win) || "none"}; momentum ${score(state.momentum.score)}.`);
    },
  });
  els["timeline-more"].addEventListener("click", () => {
    timelineShown += PAGE_SIZE;
    renderTimeline();
  });
  els["as-of-form"].addEventListener("submit", (event) => {
    event.preventDefault();
    const instant = instantFromInput(els["as-of-input"].value);
    if (!instant) {
      els["as-of-error"].textContent = "Choose a date and time.";
      els["as-of-input"].setAttribute("aria-invalid", "true");
      els["as-of-input"].focus();
      return;
    }
    showAsOf(instant);
  });
  els["as-of-clear"].addEventListener("click", () => showAsOf(null));
  try {
    await refresh();
    announce(status, `${current.title}: ${words(current.status)}, stage ${words(current.stage)}.`);
  } catch (error) {
    const missing = error instanceof ApiError && error.status === 404;
    announce(status, missing ? "There is no deal with this id." : `Could not load the deal: ${error.message}`, "error");
  }
}

start();
