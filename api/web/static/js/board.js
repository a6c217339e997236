// The pipeline board: open deals in one column per ladder stage, highest momentum first, and
// the paused lane with why, until when, and where each deal will resume.

import { allItems, requireKey } from "./api.js";
import { announce, badge, h, money, replace, score, shell, STAGES, time, TREND_ARROWS, words } from "./ui.js";

const KNOWN_ITEM = "smallwins.known";
const form = document.getElementById("filters");
const status = document.getElementById("status");
const board = document.getElementById("board");
const pausedLane = document.getElementById("paused");

function filtersFromAddress() {
  const params = new URLSearchParams(location.search);
  return {
    owner: params.get("owner") || "",
    account: params.get("account") || "",
    stalled: params.get("stalled") === "true",
    single_threaded: params.get("single_threaded") === "true",
  };
}

function showFilters(filters) {
  form.elements.owner.value = filters.owner;
  form.elements.account.value = filters.account;
  form.elements.stalled.checked = filters.stalled;
  form.elements.single_threaded.checked = filters.single_threaded;
}

function readFilters() {
  return {
    owner: form.elements.owner.value.trim(),
    account: form.elements.account.value.trim(),
    stalled: form.elements.stalled.checked,
    single_threaded: form.elements.single_threaded.checked,
  };
}

function apiParams(filters) {
  return {
    owner: filters.owner,
    account: filters.account,
    stalled: filters.stalled ? "true" : "",
    single_threaded: filters.single_threaded ? "true" : "",
  };
}

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

function renderBoard(deals) {
  const columns = STAGES.map((stage) => {
    const here = deals.filter((deal) => deal.stage === stage);
    const headingId = `stage-${stage}`;
    return h(
      "section",
      { class: "column", "aria-labelledby": headingId, "data-stage": stage },
      h("h3", { id: headingId }, words(stage === "none" ? "none" : stage), " ", h("span", { class: "count" }, `(${here.length})`)),
      here.length
        ? h("ol", { class: "cards" }, here.map(dealCard))
        : h("p", { class: "empty" }, "No deals here."),
    );
  });
  replace(board, columns);
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

function renderPaused(deals) {
  const ordered = [...deals].sort((a, b) => {
    const left = (a.paused && a.paused.resume_on) || "9999-12-31";
    const right = (b.paused && b.paused.resume_on) || "9999-12-31";
    return left.localeCompare(right);
  });
  replace(
    pausedLane,
    ordered.length
      ? h("ol", { class: "cards paused-cards" }, ordered.map(pausedCard))
      : h("p", { class: "empty" }, "No paused deals."),
  );
}

function remember(deals) {
  const known = JSON.parse(sessionStorage.getItem(KNOWN_ITEM) || '{"owners":[],"accounts":[]}');
  const owners = new Set([...known.owners, ...deals.map((d) => d.owner)]);
  const accounts = new Set([...known.accounts, ...deals.map((d) => d.account)]);
  sessionStorage.setItem(KNOWN_ITEM, JSON.stringify({ owners: [...owners], accounts: [...accounts] }));
  const options = (values) => [...values].sort().map((value) => h("option", { value }));
  replace(document.getElementById("owners"), options(owners));
  replace(document.getElementById("accounts"), options(accounts));
}

function summary(open, paused) {
  const stalled = open.filter((d) => d.momentum.stalled).length;
  const single = open.filter((d) => d.relationships.single_threaded).length;
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `${plural(open.length, "open deal")}: ${stalled} stalled, ${single} single-threaded. ${plural(paused.length, "paused deal")}.`;
}

async function load() {
  const filters = readFilters();
  const params = apiParams(filters);
  board.setAttribute("aria-busy", "true");
  announce(status, "Loading the pipeline…");
  try {
    const [open, paused] = await Promise.all([
      allItems("/v1/opportunities", { ...params, status: "open", sort: "-momentum", limit: 200 }),
      allItems("/v1/opportunities", { ...params, status: "paused", sort: "-momentum", limit: 200 }),
    ]);
    renderBoard(open);
    renderPaused(paused);
    remember([...open, ...paused]);
    announce(status, summary(open, paused));
  } catch (error) {
    announce(status, `Could not load the pipeline: ${error.message}`, "error");
  } finally {
    board.removeAttribute("aria-busy");
  }
}

function start() {
  if (!requireKey()) return;
  shell();
  showFilters(filtersFromAddress());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const filters = readFilters();
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(apiParams(filters))) if (value) search.set(name, value);
    history.replaceState(null, "", `${location.pathname}${search.size ? `?${search}` : ""}`);
    load();
  });
  form.addEventListener("reset", () => {
    setTimeout(() => form.requestSubmit(), 0);
  });
  for (const box of form.querySelectorAll("input[type=checkbox]")) {
    box.addEventListener("change", () => form.requestSubmit());
  }
  load();
}

start();
