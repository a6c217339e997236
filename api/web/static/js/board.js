// The pipeline board: open deals in one lane per ladder stage, highest momentum first, with
// each stage's count and amounts (GET /v1/pipeline/totals); the paused lane; the deals won
// and lost in a chosen period; search, "my deals" and the other filters; on a phone one lane
// at a time, a few cards and "more". Editors open new deals here; admins see the projections.

import { allItems, allows, get, loads, requireKey, settings as loadSettings } from "./api.js";
import { momentumExplanation } from "./explain.js";
import { openingForm } from "./forms.js";
import { projectionsPanel } from "./projections.js";
import { eventForms } from "./schema.js";
import { announce, badge, h, money, replace, score, shell, STAGES, time, TREND_ARROWS, words } from "./ui.js";

const KNOWN_ITEM = "smallwins.known";
const PAGE = { desktop: 8, phone: 5, closed: 10 };
const phone = matchMedia("(max-width: 700px)");
const form = document.getElementById("filters");
const closedForm = document.getElementById("closed-filters");
const status = document.getElementById("status");
const board = document.getElementById("board");
const picker = document.getElementById("lane-picker");
const pausedLane = document.getElementById("paused");
const closedLists = document.getElementById("closed");

let who = null;
let open = [];
let paused = [];
let closed = null; // {won, lost, wonTotals, lostTotals} of the chosen period
let totals = null;
let chosenLane = null; // the lane shown on a phone
const shownPerLane = new Map(); // lane -> how many cards are shown

// --- filters ------------------------------------------------------------------------------

const FILTERS = ["q", "owner", "account", "mine", "stalled", "single_threaded"];

function filtersFromAddress() {
  const params = new URLSearchParams(location.search);
  form.elements.q.value = params.get("q") || "";
  form.elements.owner.value = params.get("owner") || "";
  form.elements.account.value = params.get("account") || "";
  form.elements.mine.checked = params.get("mine") === "true";
  form.elements.stalled.checked = params.get("stalled") === "true";
  form.elements.single_threaded.checked = params.get("single_threaded") === "true";
  if (params.get("period")) closedForm.elements.period.value = params.get("period");
  closedForm.elements.from.value = params.get("from") || "";
  closedForm.elements.to.value = params.get("to") || "";
  showCustom();
}

function readFilters() {
  return {
    q: form.elements.q.value.trim(),
    owner: form.elements.owner.value.trim(),
    account: form.elements.account.value.trim(),
    mine: form.elements.mine.checked ? "true" : "",
    stalled: form.elements.stalled.checked ? "true" : "",
    single_threaded: form.elements.single_threaded.checked ? "true" : "",
  };
}

/** The list's query parameters: "my deals" is the owner filter with the signed-in name. */
function apiParams(filters) {
  return {
    q: filters.q,
    owner: filters.mine ? who.name : filters.owner,
    account: filters.account,
    stalled: filters.stalled,
    single_threaded: filters.single_threaded,
  };
}

function saveAddress() {
  const search = new URLSearchParams();
  const filters = readFilters();
  for (const name of FILTERS) if (filters[name]) search.set(name, filters[name]);
  const period = closedForm.elements.period.value;
  if (period !== "90") search.set("period", period);
  if (period === "custom") {
    if (closedForm.elements.from.value) search.set("from", closedForm.elements.from.value);
    if (closedForm.elements.to.value) search.set("to", closedForm.elements.to.value);
  }
  history.replaceState(null, "", `${location.pathname}${search.size ? `?${search}` : ""}`);
}

// --- open deals ---------------------------------------------------------------------------

function flags(deal) {
  return [
    deal.momentum.stalled ? badge("Stalled", "warn") : null,
    deal.relationships.single_threaded ? badge("Single-threaded", "warn") : null,
  ];
}

function momentumLine(deal) {
  const trend = deal.momentum.trend;
  return h(
    "p",
    { class: "momentum" },
    h("span", { class: "score" }, `Momentum ${score(deal.momentum.score)}`),
    " ",
    h("span", { class: `trend trend-${trend}` }, `${TREND_ARROWS[trend] || ""} ${words(trend)}`),
  );
}

function dealCard(deal) {
  const headingId = `deal-${deal.id}`;
  return h(
    "li",
    { class: "card", "data-id": deal.id },
    h(
      "article",
      { "aria-labelledby": headingId },
      h("h4", { id: headingId }, h("a", { href: `/app/deals/${deal.id}` }, deal.title)),
      h("p", { class: "meta" }, [deal.account, deal.owner, money(deal.amount, deal.currency)].filter(Boolean).join(" · ")),
      momentumLine(deal),
      h("p", { class: "flags" }, flags(deal)),
      deal.next_small_win ? h("p", { class: "next" }, "Next small win: ", h("strong", {}, words(deal.next_small_win))) : null,
    ),
  );
}

/** "$120,000 · €25,500" (amounts never added across currencies), and how many lack one. */
function amounts(total) {
  if (!total) return "";
  const parts = Object.entries(total.amounts).map(([currency, amount]) => money(amount, currency));
  if (total.unpriced && total.count) parts.push(`${total.unpriced} without an amount`);
  return parts.join(" · ");
}

function stageTotal(stage) {
  return totals?.stages.find((row) => row.stage === stage) || null;
}

/** A list of cards showing `size` at first, with a button that shows more. */
function pagedCards(key, items, card, size, { className = "cards" } = {}) {
  const shown = Math.min(items.length, shownPerLane.get(key) || size);
  const rest = items.length - shown;
  return [
    h("ol", { class: className }, items.slice(0, shown).map(card)),
    rest > 0
      ? h("button", {
        type: "button", class: "secondary more", "data-more": key,
        onclick: () => {
          shownPerLane.set(key, shown + size);
          renderAll();
          document.querySelector(`[data-id="${items[shown].id}"] a`)?.focus();
        },
      }, `Show ${Math.min(rest, size)} more`, h("span", { class: "visually-hidden" }, ` in ${words(key)}`), ` (${rest} not shown)`)
      : null,
  ];
}

function renderBoard() {
  const size = phone.matches ? PAGE.phone : PAGE.desktop;
  const lanes = STAGES.map((stage) => ({ stage, deals: open.filter((deal) => deal.stage === stage) }));
  if (!chosenLane || !STAGES.includes(chosenLane)) chosenLane = (lanes.find((lane) => lane.deals.length) || lanes[0]).stage;
  replace(picker, lanes.map(({ stage, deals }) => h("button", {
    type: "button", class: "lane-choice", "aria-pressed": String(stage === chosenLane), "aria-controls": `lane-${stage}`,
    onclick: () => {
      chosenLane = stage;
      renderBoard();
      picker.querySelector("[aria-pressed=true]").focus();
    },
  }, words(stage), " ", h("span", { class: "count" }, String(deals.length)))));
  replace(board, lanes.map(({ stage, deals }) => {
    const headingId = `stage-${stage}`;
    const total = stageTotal(stage);
    return h(
      "section",
      { class: `column${stage === chosenLane ? " is-chosen" : ""}`, id: `lane-${stage}`, "aria-labelledby": headingId, "data-stage": stage },
      h("h3", { id: headingId }, words(stage), " ", h("span", { class: "count" }, `(${total ? total.count : deals.length})`)),
      h("p", { class: "lane-total" }, amounts(total)),
      deals.length ? pagedCards(stage, deals, dealCard, size) : h("p", { class: "empty" }, "No deals here."),
    );
  }));
  replace(document.getElementById("open-totals"), totals
    ? ["All open deals: ", h("strong", {}, String(totals.total.count)), totals.total.count ? ` · ${amounts(totals.total)}` : ""]
    : "");
}

function isDue(resumeOn) {
  return Boolean(resumeOn) && resumeOn <= new Date().toISOString().slice(0, 10);
}

function pausedCard(deal) {
  const pause = deal.paused || {};
  const point = deal.resume_point;
  const headingId = `paused-${deal.id}`;
  return h(
    "li",
    { class: "card", "data-id": deal.id },
    h(
      "article",
      { "aria-labelledby": headingId },
      h("h3", { id: headingId }, h("a", { href: `/app/deals/${deal.id}` }, deal.title)),
      h("p", { class: "meta" }, [deal.account, deal.owner].join(" · ")),
      h("dl", { class: "facts" },
        h("dt", {}, "Reason"), h("dd", { class: "reason" }, pause.reason || "—"),
        h("dt", {}, "Resume on"),
        h("dd", {}, pause.resume_on ? time(pause.resume_on, { dateOnly: true }) : "not set",
          isDue(pause.resume_on) ? [" ", badge("Due", "due")] : null),
        h("dt", {}, "Resumes at"),
        h("dd", {}, point ? [words(point.name), " (reached ", time(point.occurred_at), ")"] : "the start: no small win yet"),
        h("dt", {}, "Paused since"), h("dd", {}, time(pause.since)),
      ),
    ),
  );
}

function renderPaused() {
  const ordered = [...paused].sort((a, b) => {
    const left = (a.paused && a.paused.resume_on) || "9999-12-31";
    const right = (b.paused && b.paused.resume_on) || "9999-12-31";
    return left.localeCompare(right);
  });
  replace(
    pausedLane,
    ordered.length
      ? pagedCards("paused", ordered, pausedCard, phone.matches ? PAGE.phone : PAGE.desktop, { className: "cards paused-cards" })
      : h("p", { class: "empty" }, "No paused deals."),
  );
}

function renderAll() {
  renderBoard();
  renderPaused();
  renderClosed();
}

function remember(deals) {
  const known = JSON.parse(localStorage.getItem(KNOWN_ITEM) || '{"owners":[],"accounts":[]}');
  const owners = new Set([...known.owners, ...deals.map((d) => d.owner)]);
  const accounts = new Set([...known.accounts, ...deals.map((d) => d.account)]);
  localStorage.setItem(KNOWN_ITEM, JSON.stringify({ owners: [...owners].slice(-500), accounts: [...accounts].slice(-500) }));
  const options = (values) => [...values].sort().map((value) => h("option", { value }));
  replace(document.getElementById("owners"), options(owners));
  replace(document.getElementById("accounts"), options(accounts));
  return { owners: [...owners].sort(), accounts: [...accounts].sort() };
}

function summary() {
  const stalled = open.filter((d) => d.momentum.stalled).length;
  const single = open.filter((d) => d.relationships.single_threaded).length;
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const mine = form.elements.mine.checked ? ` (${who.name}'s)` : "";
  return `${plural(open.length, "open deal")}${mine}: ${stalled} stalled, ${single} single-threaded. ${plural(paused.length, "paused deal")}.`;
}

const openLoads = loads();
const closedLoads = loads();

async function load() {
  const turn = openLoads.begin();
  const params = apiParams(readFilters());
  board.setAttribute("aria-busy", "true");
  announce(status, "Loading the pipeline…");
  try {
    const found = await Promise.all([
      allItems("/v1/opportunities", { ...params, status: "open", sort: "-momentum", limit: 200 }),
      allItems("/v1/opportunities", { ...params, status: "paused", sort: "-momentum", limit: 200 }),
      get("/v1/pipeline/totals", { ...params, status: "open" }),
    ]);
    if (openLoads.stale(turn)) return;
    [open, paused, totals] = found;
    renderAll();
    remember([...open, ...paused]);
    announce(status, summary());
  } catch (error) {
    if (openLoads.stale(turn)) return;
    announce(status, `Could not load the pipeline: ${error.message}`, "error");
  } finally {
    if (!openLoads.stale(turn)) board.removeAttribute("aria-busy");
  }
  if (!openLoads.stale(turn)) await loadClosed();
}

// --- won and lost in a period ---------------------------------------------------------------

function showCustom() {
  const custom = closedForm.elements.period.value === "custom";
  for (const field of closedForm.querySelectorAll("[data-custom]")) field.hidden = !custom;
}

/** [from, to) of the chosen period, as instants (local calendar days). */
function period() {
  const now = new Date();
  const day = (y, m, d) => new Date(y, m, d);
  const y = now.getFullYear();
  const m = now.getMonth();
  const q = Math.floor(m / 3) * 3;
  const tomorrow = day(y, m, now.getDate() + 1);
  switch (closedForm.elements.period.value) {
    case "30": return [day(y, m, now.getDate() - 29), tomorrow];
    case "month": return [day(y, m, 1), tomorrow];
    case "last-month": return [day(y, m - 1, 1), day(y, m, 1)];
    case "quarter": return [day(y, q, 1), tomorrow];
    case "last-quarter": return [day(y, q - 3, 1), day(y, q, 1)];
    case "year": return [day(y, 0, 1), tomorrow];
    case "custom": {
      const parse = (value, plus) => {
        if (!value) return null;
        const [yy, mm, dd] = value.split("-").map(Number);
        return day(yy, mm - 1, dd + plus);
      };
      return [parse(closedForm.elements.from.value, 0), parse(closedForm.elements.to.value, 1)];
    }
    default: return [day(y, m, now.getDate() - 89), tomorrow];
  }
}

function closedCard(deal) {
  return h("li", { class: "closed-item", "data-id": deal.id },
    h("a", { href: `/app/deals/${deal.id}` }, deal.title),
    h("span", { class: "meta" }, " · ", [deal.account, deal.owner, money(deal.amount, deal.currency)].filter(Boolean).join(" · "), " · closed ", time(deal.closed_at, { dateOnly: true })));
}

function closedList(kind, deals, total) {
  const headingId = `closed-${kind}-heading`;
  return h("section", { class: "panel", id: `closed-${kind}`, "aria-labelledby": headingId },
    h("h3", { id: headingId }, kind === "won" ? "Won" : "Lost", " ", h("span", { class: "count" }, `(${deals.length})`)),
    h("p", { class: "lane-total" }, amounts(total?.total)),
    deals.length ? pagedCards(kind, deals, closedCard, phone.matches ? PAGE.phone : PAGE.closed, { className: "closed-cards" }) : h("p", { class: "empty" }, `Nothing ${kind} in this period.`));
}

function renderClosed() {
  if (!closed) return;
  replace(closedLists, closedList("won", closed.won, closed.wonTotals), closedList("lost", closed.lost, closed.lostTotals));
}

async function loadClosed() {
  for (const slot of closedForm.querySelectorAll(".field-error")) slot.textContent = "";
  const [from, to] = period();
  const turn = closedLoads.begin(); // a refused period drops a load still on its way too
  if (from && to && from >= to) {
    closedForm.querySelector("#closed-to-error").textContent = "must be after the first day";
    return;
  }
  const params = { ...apiParams(readFilters()), closed_from: from ? from.toISOString() : "", closed_to: to ? to.toISOString() : "" };
  try {
    const [won, lost, wonTotals, lostTotals] = await Promise.all([
      allItems("/v1/opportunities", { ...params, status: "won", sort: "-closed_at", limit: 200 }, 10),
      allItems("/v1/opportunities", { ...params, status: "lost", sort: "-closed_at", limit: 200 }, 10),
      get("/v1/pipeline/totals", { ...params, status: "won" }),
      get("/v1/pipeline/totals", { ...params, status: "lost" }),
    ]);
    if (closedLoads.stale(turn)) return;
    closed = { won, lost, wonTotals, lostTotals };
    shownPerLane.delete("won");
    shownPerLane.delete("lost");
    renderClosed();
  } catch (error) {
    if (closedLoads.stale(turn)) return;
    replace(closedLists, h("p", { class: "is-error" }, `Could not load the closed deals: ${error.message}`));
  }
}

// --- new deal -----------------------------------------------------------------------------

async function setUpNewDeal(known) {
  const toggle = document.getElementById("new-deal-toggle");
  const panel = document.getElementById("new-deal");
  const forms = await eventForms();
  const newForm = document.getElementById("new-deal-form");
  openingForm(newForm, {
    forms,
    owner: who.name,
    lists: { owner: known.owners, account: known.accounts, referrer_account: known.accounts },
    onOpened: (state) => location.assign(`/app/deals/${state.id}`),
  });
  toggle.disabled = false;
  toggle.addEventListener("click", () => {
    const opening = panel.hidden;
    panel.hidden = !opening;
    toggle.setAttribute("aria-expanded", String(opening));
    if (opening) newForm.querySelector("input").focus();
  });
}

// --- start --------------------------------------------------------------------------------

async function start() {
  if (!requireKey()) return;
  who = await shell();
  filtersFromAddress();
  form.elements.owner.disabled = form.elements.mine.checked;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    shownPerLane.clear();
    saveAddress();
    load();
  });
  form.addEventListener("reset", () => {
    setTimeout(() => {
      form.elements.owner.disabled = false;
      form.requestSubmit();
    }, 0);
  });
  for (const box of form.querySelectorAll("input[type=checkbox]")) {
    box.addEventListener("change", () => {
      form.elements.owner.disabled = form.elements.mine.checked;
      form.requestSubmit();
    });
  }
  closedForm.elements.period.addEventListener("change", () => {
    showCustom();
    if (closedForm.elements.period.value !== "custom") closedForm.requestSubmit();
  });
  closedForm.addEventListener("submit", (event) => {
    event.preventDefault();
    saveAddress();
    loadClosed();
  });
  phone.addEventListener("change", renderAll);
  const known = remember([]);
  const ready = [load()];
  if (allows(who.role, "editor")) ready.push(setUpNewDeal(known));
  if (allows(who.role, "admin")) ready.push(projectionsPanel(document.getElementById("projections")));
  const help = document.getElementById("board-help");
  ready.push(loadSettings().then((found) => replace(help, momentumExplanation(found))));
  await Promise.all(ready);
}

start().catch((error) => announce(status, `Could not load the page: ${error.message}`, "error"));
