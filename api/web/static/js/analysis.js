// The win-analysis charts, from GET /v1/analytics/wins (DESIGN section 4). If this server
// does not offer that endpoint (404), the page says so instead of breaking.

import { ApiError, get, loads, requireKey } from "./api.js";
import { barChart } from "./charts.js";
import { FEW_DEALS, fewDeals, liftExplanation } from "./explain.js";
import { announce, h, instantFromInput, localInputValue, percent, replace, shell, words } from "./ui.js";

/** How the numbers are computed: the HTML report's definitions (api/report/html.py
 * DEFINITIONS, word for word; a test compares them). */
export const DEFINITIONS = [
  ["Analysed deals", "Opportunities closed (won or lost) in the chosen window and for the chosen owner, counting only what had been recorded by the report's as-of instant."],
  ["Before the close", "A small win counts for a deal when it occurred at or before the close (events are ordered by when they occurred, then by version)."],
  ["Lift", "Win rate of deals where that small win happened before the close, divided by the win rate of deals where it did not. n/a when either group is empty or the second never won."],
  ["Paths", "The small wins of the ladder in the order they occurred, a repeated step shown once; the ten most common."],
  ["Departments bought in", "Departments where at least one stakeholder bought in, at the close."],
  ["Commitment objectives", "With: the deal planned interactions and at least 80% of them named what the customer should commit to next. Without: it planned some, fewer had one. Deals that planned none are in neither group."],
  ["Source", "How the deal came, as set when it was opened: inbound, outbound, referral, repeat business or other."],
  ["Days", "Calendar days. Medians are over won deals (resumptions: over every Resumed followed by a small win before the close). Rates and medians are rounded to 4 decimals in the data, shown to 1 here."],
];

const form = document.getElementById("analysis-filters");
const status = document.getElementById("status");
const out = document.getElementById("analysis");

const few = (part) => (part.closed < FEW_DEALS ? " (few deals)" : "");
const rate = (part) => ({ value: part.win_rate ?? 0, text: `${percent(part.win_rate)} of ${part.closed}${few(part)}` });
/** A table cell: the text, and a warning when it rests on fewer than FEW_DEALS deals. */
const counted = (text, ...parts) => {
  const least = Math.min(...parts.map((part) => part.closed));
  return [text, least < FEW_DEALS ? [" ", fewDeals(least)] : null];
};
const days = (value) => (value === null || value === undefined ? "—" : `${Math.round(value * 10) / 10} days`);

const closedIn = (part) =>
  part.median_days_to_close === null ? "" : ` — won in a median of ${days(part.median_days_to_close)}`;

function figure(id, title, intro, draw, table, extra = null) {
  const box = h("div", { class: "chart-box" });
  const element = h(
    "section",
    { class: "panel", "aria-labelledby": id },
    h("h2", { id }, title),
    intro ? h("p", { class: "help" }, intro) : null,
    extra,
    box,
    table ? h("details", {}, h("summary", {}, "Show as a table"), h("div", { class: "table-scroll" }, table)) : null,
  );
  out.append(element);
  draw(box);
}

function table(headings, rows) {
  return h("table", { class: "grid-table" },
    h("thead", {}, h("tr", {}, headings.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell, i) => (i === 0 ? h("th", { scope: "row" }, cell) : h("td", {}, cell)))))));
}

function headline(result) {
  out.append(h("section", { class: "panel headline", "aria-labelledby": "headline-heading" },
    h("h2", { id: "headline-heading" }, "Closed deals"),
    h("dl", { class: "stats" },
      [["Closed", result.closed], ["Won", result.won], ["Lost", result.lost], ["Win rate", percent(result.win_rate)]]
        .map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, String(value))))),
    result.closed && result.closed < FEW_DEALS
      ? h("p", { class: "warning", role: "note" }, `Only ${result.closed} closed deal${result.closed === 1 ? "" : "s"}: every rate below rests on fewer than ${FEW_DEALS} deals and could change a lot with the next few closes.`)
      : null));
}

function definitions() {
  out.append(h("section", { class: "panel definitions", "aria-labelledby": "definitions-heading" },
    h("h2", { id: "definitions-heading" }, "How the numbers are computed"),
    h("dl", {}, DEFINITIONS.map(([term, text]) => [h("dt", {}, term), h("dd", {}, text)])),
    h("p", { class: "help" }, `A figure resting on fewer than ${FEW_DEALS} deals is marked “few deals”.`)));
}

/** Win rate and time to close by how the deals came (the opening's source). */
function sources(rows) {
  figure("sources-heading", "Win rate by source",
    "How often, and how fast, deals were won by how they came: inbound, outbound, a referral, repeat business or other. Referrals and repeat business are the equity a seller's relationships build.",
    (box) => barChart(box, rows.map((row) => ({
      label: `${words(row.source)}${row.closed ? closedIn(row) : " — no closed deal"}`,
      bars: [{ name: "win rate", kind: "a", ...rate(row) }],
    })), { title: "Win rate by source", description: rows.map((r) => `${words(r.source)}: ${percent(r.win_rate)} of ${r.closed}, median ${days(r.median_days_to_close)} to close`).join("; "), max: 1 }),
    table(["Source", "Closed", "Won", "Win rate", "Median days to close (won)"],
      rows.map((r) => [words(r.source), r.closed, r.won, r.closed ? counted(percent(r.win_rate), r) : "—", days(r.median_days_to_close)])));
}

function render(result) {
  replace(out);
  headline(result);
  if (!result.closed) {
    definitions();
    return;
  }
  const legend = [{ name: "with", kind: "a" }, { name: "without", kind: "b" }];
  figure("lift-heading", "Lift per small win",
    "Win rate of deals where the small win happened before the close, against deals where it did not.",
    (box) => barChart(box, result.by_small_win.map((row) => ({
      label: `${words(row.type)} — lift ${row.lift === null ? "—" : `×${row.lift.toFixed(2)}`}${Math.min(row.with.closed, row.without.closed) < FEW_DEALS ? " (few deals)" : ""}`,
      bars: [{ name: "with", kind: "a", ...rate(row.with) }, { name: "without", kind: "b", ...rate(row.without) }],
    })), { title: "Win rate with and without each small win", description: result.by_small_win.map((r) => `${words(r.type)}: ${percent(r.with.win_rate)} with, ${percent(r.without.win_rate)} without`).join("; "), max: 1, legend }),
    table(["Small win", "Win rate with", "Win rate without", "Lift", "Median days to close (won)"],
      result.by_small_win.map((r) => [words(r.type), counted(`${percent(r.with.win_rate)} (${r.with.won}/${r.with.closed})`, r.with),
        counted(`${percent(r.without.win_rate)} (${r.without.won}/${r.without.closed})`, r.without),
        counted(r.lift === null ? "—" : r.lift.toFixed(2), r.with, r.without), days(r.median_days_to_close)])),
    liftExplanation());
  figure("departments-heading", "Win rate by departments bought in",
    "Departments at depth bought in or deeper at the close.",
    (box) => barChart(box, result.by_bought_in_departments.map((row) => ({
      label: `${row.departments} department${row.departments === "1" ? "" : "s"}`,
      bars: [{ name: "win rate", kind: "a", ...rate(row) }],
    })), { title: "Win rate by departments bought in", description: result.by_bought_in_departments.map((r) => `${r.departments}: ${percent(r.win_rate)} of ${r.closed}`).join("; "), max: 1 }),
    table(["Departments", "Closed", "Won", "Win rate"], result.by_bought_in_departments.map((r) => [r.departments, r.closed, r.won, r.closed ? counted(percent(r.win_rate), r) : "—"])));
  const topCount = Math.max(1, ...result.paths.map((p) => p.closed));
  figure("paths-heading", "Most common paths to a close",
    "Small wins in the order they happened (repeats collapsed); bar length is how many deals took the path.",
    (box) => barChart(box, result.paths.map((row) => ({
      label: row.path.length ? row.path.map(words).join(" → ") : "No small win",
      bars: [{ name: "deals", kind: "a", value: row.closed, text: `${row.closed} deals, ${percent(row.win_rate)} won` }],
    })), { title: "Most common paths to a close", description: result.paths.map((r) => `${r.path.map(words).join(" then ") || "no small win"}: ${r.closed} deals, ${percent(r.win_rate)} won`).join("; "), max: topCount }),
    table(["Path", "Closed", "Won", "Win rate"], result.paths.map((r) => [r.path.map(words).join(" → ") || "No small win", r.closed, r.won, counted(percent(r.win_rate), r)])));
  const objectives = result.commitment_objectives;
  figure("objectives-heading", "Commitment objectives",
    "Deals where at least 80% of planned interactions had a commitment objective, against those with fewer.",
    (box) => barChart(box, [
      { label: `With objectives${closedIn(objectives.with)}`, bars: [{ name: "with", kind: "a", ...rate(objectives.with) }] },
      { label: `Without${closedIn(objectives.without)}`, bars: [{ name: "without", kind: "b", ...rate(objectives.without) }] },
    ], { title: "Win rate with and without commitment objectives", description: `With: ${percent(objectives.with.win_rate)}, median ${days(objectives.with.median_days_to_close)}; without: ${percent(objectives.without.win_rate)}, median ${days(objectives.without.median_days_to_close)}`, max: 1 }),
    table(["Deals", "Closed", "Won", "Win rate", "Median days to close (won)"],
      [["With objectives", objectives.with], ["Without", objectives.without]].map(([name, p]) => [name, p.closed, p.won, counted(percent(p.win_rate), p), days(p.median_days_to_close)])));
  if (result.by_source) sources(result.by_source); // servers before it lack by_source
  const pauses = result.pauses;
  figure("pauses-heading", "How paused deals ended",
    `${pauses.paused} closed deal${pauses.paused === 1 ? " was" : "s were"} paused at some point; median ${days(pauses.median_days_resume_to_next_win)} from resuming to the next small win.`,
    (box) => barChart(box, [
      { label: "Won", bars: [{ name: "won", kind: "a", value: pauses.won, text: String(pauses.won) }] },
      { label: "Lost", bars: [{ name: "lost", kind: "b", value: pauses.lost, text: String(pauses.lost) }] },
    ], { title: "How paused deals ended", description: `${pauses.won} won and ${pauses.lost} lost of ${pauses.paused} paused`, max: Math.max(1, pauses.paused) }),
    null);
  definitions();
}

/** The instant a local calendar day starts (`plusDays` later): closed_to is exclusive, so the
 * chosen last day counts whole. */
function startOfDay(value, plusDays) {
  if (!value) return "";
  const [year, month, day] = value.split("-").map(Number);
  return new Date(year, month - 1, day + plusDays).toISOString();
}

const asOfInput = form.elements.as_of;
const asOfError = document.getElementById("analysis-as-of-error");

/** The as-of instant chosen, or "" for now; null (and the field says why) when in the future. */
function chosenAsOf() {
  asOfError.textContent = "";
  asOfInput.removeAttribute("aria-invalid");
  const instant = instantFromInput(asOfInput.value);
  if (instant && new Date(instant) > new Date()) {
    asOfError.textContent = "That moment is in the future: choose one up to now.";
    asOfInput.setAttribute("aria-invalid", "true");
    return null;
  }
  return instant || "";
}

const analysisLoads = loads();

async function load() {
  const turn = analysisLoads.begin();
  const asOf = chosenAsOf();
  if (asOf === null) {
    out.removeAttribute("aria-busy"); // a load still on its way is dropped: none is under way
    announce(status, "Not analysed: the moment chosen is in the future.", "error");
    asOfInput.focus();
    return;
  }
  const params = {
    closed_from: startOfDay(form.elements.closed_from.value, 0),
    closed_to: startOfDay(form.elements.closed_to.value, 1),
    owner: form.elements.owner.value.trim(),
    as_of: asOf,
  };
  out.setAttribute("aria-busy", "true");
  announce(status, "Loading the analysis…");
  try {
    const result = await get("/v1/analytics/wins", params);
    if (analysisLoads.stale(turn)) return;
    render(result);
    announce(status, result.closed ? `Analysed ${result.closed} closed deals.` : "No closed deals match: nothing to analyse yet.");
  } catch (error) {
    if (analysisLoads.stale(turn)) return;
    replace(out);
    if (error instanceof ApiError && error.status === 404) {
      announce(status, "Win analysis is not available on this server: it does not offer /v1/analytics/wins yet. The pipeline and deal pages work without it.", "error");
    } else if (error instanceof ApiError && error.status === 422) {
      announce(status, `Check the filters: ${error.message}`, "error");
    } else {
      announce(status, `Could not load the analysis: ${error.message}`, "error");
    }
  } finally {
    if (!analysisLoads.stale(turn)) out.removeAttribute("aria-busy");
  }
}

async function start() {
  if (!requireKey()) return;
  await shell();
  const params = new URLSearchParams(location.search);
  for (const name of ["closed_from", "closed_to", "owner"]) form.elements[name].value = params.get(name) || "";
  if (params.get("as_of")) asOfInput.value = localInputValue(new Date(params.get("as_of")));
  asOfInput.max = localInputValue();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const search = new URLSearchParams();
    for (const name of ["closed_from", "closed_to", "owner"]) if (form.elements[name].value) search.set(name, form.elements[name].value);
    const instant = instantFromInput(asOfInput.value);
    if (instant) search.set("as_of", instant);
    history.replaceState(null, "", `${location.pathname}${search.size ? `?${search}` : ""}`);
    load();
  });
  await load();
}

start().catch((error) => announce(status, `Could not load the page: ${error.message}`, "error"));
