// "My week": the signed-in seller's (or a chosen seller's) agenda from GET /v1/agenda, the
// week's scorecard from GET /v1/sellers/{owner}/scorecard?week=, its goals and streak, and,
// for editors, a form setting the weekly goals (PUT /v1/sellers/{owner}/goals). The metrics
// the form offers are the API's own (the GoalMetric enum of the OpenAPI document).

import { allItems, allows, ApiError, get, loads, openapi, request, requireKey } from "./api.js";
import { clearErrors, fieldError, problemLine, showProblem } from "./fields.js";
import { agenda, goals, metricWords, scorecard } from "./week-view.js";
import { announce, h, replace, shell } from "./ui.js";
import { mondayOf, shifted, weekSpan } from "./weeks.js";

const status = document.getElementById("status");
const picker = document.getElementById("week-picker");
const els = Object.fromEntries(["week-title", "agenda-body", "goals-body", "goals-edit", "goals-form", "scorecard-body",
  "week-week-error", "sellers"].map((name) => [name, document.getElementById(name)]));

let who = null;
let owner = "";
let shownWeek = null; // the week of the scorecard on screen, e.g. "2026-W49"
let metrics = [];

// --- loading -------------------------------------------------------------------------------

const sellerPath = (name) => `/v1/sellers/${encodeURIComponent(name)}`;

function showAgenda(items, seller) {
  const overdue = items.filter((item) => item.overdue);
  replace(els["agenda-body"], agenda([...overdue, ...items.filter((item) => !item.overdue)], seller));
  return overdue.length;
}

function showScorecard(card, seller) {
  shownWeek = card.week;
  replace(els["goals-body"], goals(card));
  replace(els["scorecard-body"], scorecard(card));
  els["week-title"].textContent = same(seller, who.name) ? "My week" : `${seller}'s week`;
  document.title = `${els["week-title"].textContent} · smallwins`;
  document.getElementById("scorecard-heading").textContent = `Scorecard for ${card.week} (${weekSpan(card.week)})`;
}

const weekLoads = loads();

/** The week's agenda and scorecard, shown; what the goals came to (null: not shown). */
async function load(week) {
  const turn = weekLoads.begin();
  const seller = owner; // as asked now, whatever is asked meanwhile
  announce(status, "Loading the week…");
  try {
    const [items, card] = await Promise.all([
      allItems("/v1/agenda", { owner: seller, limit: 100 }, 10),
      get(`${sellerPath(seller)}/scorecard`, { week }),
    ]);
    if (weekLoads.stale(turn)) return null;
    const overdue = showAgenda(items, seller);
    showScorecard(card, seller);
    const met = card.goals.filter((g) => g.met).length;
    announce(status, `${seller}, ${card.week}: ${items.length} open interaction${items.length === 1 ? "" : "s"} on the agenda (${overdue} overdue); `
      + (card.goals.length ? `${met} of ${card.goals.length} goals met.` : "no goals for this week."));
    return `${met} of ${card.goals.length} goals met in ${card.week}`;
  } catch (error) {
    if (weekLoads.stale(turn)) return null;
    if (error instanceof ApiError && error.status === 422) {
      els["week-week-error"].textContent = "Not a week: write it like 2026-W49.";
      announce(status, `Check the week: ${error.message}`, "error");
    } else {
      announce(status, `Could not load the week: ${error.message}`, "error");
    }
    return null;
  }
}

/** Names are matched like the API matches them: trimmed, inner spaces collapsed, any case. */
const same = (a, b) => a.trim().replace(/\s+/g, " ").toLowerCase() === b.trim().replace(/\s+/g, " ").toLowerCase();

function saveAddress(week) {
  const search = new URLSearchParams();
  if (!same(owner, who.name)) search.set("owner", owner);
  if (week) search.set("week", week);
  history.replaceState(null, "", `${location.pathname}${search.size ? `?${search}` : ""}`);
}

function show(week) {
  els["week-week-error"].textContent = "";
  picker.elements.week.removeAttribute("aria-invalid");
  owner = picker.elements.owner.value.trim() || who.name;
  picker.elements.owner.value = owner;
  picker.elements.week.value = week || "";
  if (week && !mondayOf(week)) {
    weekLoads.begin(); // a load still on its way is dropped: it was for what was asked before
    els["week-week-error"].textContent = "Not a week: write it like 2026-W49.";
    picker.elements.week.setAttribute("aria-invalid", "true");
    picker.elements.week.focus();
    announce(status, "Not shown: the week is not written like 2026-W49.", "error");
    return Promise.resolve();
  }
  saveAddress(week);
  closeGoalsForm(false);
  return load(week);
}

// --- the goals form ------------------------------------------------------------------------

async function goalMetrics() {
  const document = await openapi();
  const ref = document.components.schemas.GoalsIn.properties.weekly.propertyNames.$ref;
  return document.components.schemas[ref.split("/").pop()].enum;
}

function closeGoalsForm(focus = true) {
  els["goals-form"].hidden = true;
  els["goals-edit"].setAttribute("aria-expanded", "false");
  if (focus) els["goals-edit"].focus();
}

async function openGoalsForm() {
  const form = els["goals-form"];
  const current = await get(`${sellerPath(owner)}/goals`);
  replace(form,
    h("p", { class: "help" }, `Weekly targets for ${owner}, in force from now until changed: a whole number for each count to aim at; leave one empty for no goal. `,
      current.set_at ? "Filled with the goals in force now." : "No goals are set yet."),
    h("div", { class: "goal-fields" }, metrics.map((metric) => h("div", { class: "field", "data-field": metric },
      h("label", { for: `goal-${metric}` }, metricWords(metric), h("span", { class: "optional" }, " (optional)")),
      h("input", { id: `goal-${metric}`, name: metric, type: "number", min: 0, step: 1, inputmode: "numeric",
        value: current.weekly[metric] ?? "", "aria-describedby": `goal-${metric}-error` }),
      h("p", { id: `goal-${metric}-error`, class: "field-error" })))),
    problemLine("goals-problem"),
    h("div", { class: "actions" },
      h("button", { type: "submit" }, "Save the goals"),
      h("button", { type: "button", class: "secondary", onclick: () => closeGoalsForm() }, "Cancel")));
  form.hidden = false;
  els["goals-edit"].setAttribute("aria-expanded", "true");
  form.querySelector("input").focus();
}

async function saveGoals(event) {
  event.preventDefault();
  const form = els["goals-form"];
  clearErrors(form);
  const weekly = {};
  for (const metric of metrics) {
    const raw = form.elements[metric].value.trim();
    if (raw === "") continue;
    const target = Number(raw);
    if (!Number.isInteger(target) || target < 0) fieldError(form, metric, "must be a whole number, 0 or more");
    else weekly[metric] = target;
  }
  const invalid = form.querySelector("[aria-invalid=true]");
  if (invalid) {
    showProblem(form, "Not saved: a target is not a whole number of 0 or more.", { focus: false });
    invalid.focus();
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const seller = owner; // whose goals these are, whatever is shown meanwhile
    await request(`${sellerPath(seller)}/goals`, { method: "PUT", body: { weekly } });
    closeGoalsForm();
    const progress = await load(picker.elements.week.value.trim() || undefined); // the week asked for, again
    const count = Object.keys(weekly).length;
    const saved = count ? `Saved ${count} goal${count === 1 ? "" : "s"} for ${seller}` : `Cleared ${seller}'s goals`;
    announce(status, progress ? `${saved}: ${progress}.` : `${saved}.`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const placed = (error.problem.errors || []).filter((e) => Array.isArray(e.loc) && fieldError(form, String(e.loc[2]), e.message));
    showProblem(form, `Not saved: ${placed.length ? "check the marked targets." : error.message}`, { focus: !placed.length });
    if (placed.length) form.querySelector("[aria-invalid=true]").focus();
  } finally {
    button.disabled = false;
  }
}

async function start() {
  if (!requireKey()) return;
  who = await shell();
  const params = new URLSearchParams(location.search);
  picker.elements.owner.value = params.get("owner") || who.name;
  picker.addEventListener("submit", (event) => {
    event.preventDefault();
    show(picker.elements.week.value.trim());
  });
  document.getElementById("week-previous").addEventListener("click", () => shownWeek && show(shifted(shownWeek, -1)));
  document.getElementById("week-next").addEventListener("click", () => shownWeek && show(shifted(shownWeek, 1)));
  if (allows(who.role, "editor")) {
    metrics = await goalMetrics();
    els["goals-edit"].addEventListener("click", () => (els["goals-form"].hidden ? openGoalsForm() : closeGoalsForm()));
    els["goals-form"].addEventListener("submit", saveGoals);
  }
  allItems("/v1/sellers", { limit: 200 }, 5)
    .then((sellers) => replace(els.sellers, sellers.map((s) => h("option", { value: s.owner }))))
    .catch(() => null); // suggestions only
  await show(params.get("week") || "");
}

start().catch((error) => announce(status, `Could not load the page: ${error.message}`, "error"));
