// The accounts page: the customer base as equity from GET /v1/accounts (sorted by name, wins,
// referrals given or the latest small win), a page of accounts at a time, each linked to its
// own page. Every column is explained under the table.

import { ApiError, get, loads, requireKey } from "./api.js";
import { accountLink, countsText, equityExplanation, wonText } from "./account-view.js";
import { announce, h, replace, shell, time } from "./ui.js";

const PAGE_SIZE = 100;
const SORTS = new Set(["account", "-won", "-referrals_given", "-last_small_win_at"]);
const form = document.getElementById("accounts-sort");
const status = document.getElementById("status");
const out = document.getElementById("accounts");
const more = document.getElementById("accounts-more");

let rows = [];
let cursor = null;

const COLUMNS = ["Account", "Deals", "Won", "First won", "Repeat deals", "Referrals given", "Departments bought in", "Last small win"];

function row(a) {
  const referrals = a.referrals_given;
  const cells = [
    accountLink(a.account),
    countsText(a.opportunities),
    wonText(a.won_amounts, a.opportunities.won),
    a.first_won_at ? time(a.first_won_at, { dateOnly: true }) : "never",
    String(a.repeat_opportunities),
    referrals.opened ? `${referrals.opened} opened, ${referrals.won} won${referrals.won ? ` (${wonText(referrals.won_amounts, referrals.won)})` : ""}` : "none",
    String(a.departments_bought_in),
    a.last_small_win_at ? time(a.last_small_win_at, { dateOnly: true }) : "none yet",
  ];
  return h("tr", { "data-account": a.account }, cells.map((cell, i) => (i === 0
    ? h("th", { scope: "row", "data-label": COLUMNS[i] }, cell)
    : h("td", { "data-label": COLUMNS[i] }, cell))));
}

function render() {
  if (!rows.length) {
    replace(out, h("p", { class: "empty" }, "No account yet: accounts appear with their first deal."));
    return;
  }
  replace(out, h("table", { class: "grid-table stacked" },
    h("caption", { class: "visually-hidden" }, "Accounts and their equity"),
    h("thead", {}, h("tr", {}, COLUMNS.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, rows.map(row))));
}

const accountLoads = loads();

async function load({ again = false } = {}) {
  const turn = accountLoads.begin();
  const sort = form.elements.sort.value;
  if (!again) {
    rows = [];
    cursor = null;
  }
  announce(status, "Loading the accounts…");
  try {
    const page = await get("/v1/accounts", { sort, limit: PAGE_SIZE, cursor });
    if (accountLoads.stale(turn)) return;
    rows.push(...page.items);
    cursor = page.next_cursor;
    render();
    more.hidden = !cursor;
    const label = form.elements.sort.selectedOptions[0].textContent.toLowerCase();
    announce(status, `${rows.length} account${rows.length === 1 ? "" : "s"}${cursor ? " so far" : ""}, by ${label}.`);
  } catch (error) {
    if (accountLoads.stale(turn)) return;
    const missing = error instanceof ApiError && error.status === 404;
    announce(status, missing ? "This server does not offer the accounts yet (/v1/accounts)." : `Could not load the accounts: ${error.message}`, "error");
  }
}

async function start() {
  if (!requireKey()) return;
  await shell();
  const wanted = new URLSearchParams(location.search).get("sort");
  if (SORTS.has(wanted)) form.elements.sort.value = wanted;
  replace(document.getElementById("accounts-help"), equityExplanation());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const sort = form.elements.sort.value;
    history.replaceState(null, "", sort === "account" ? location.pathname : `${location.pathname}?sort=${encodeURIComponent(sort)}`);
    load();
  });
  form.elements.sort.addEventListener("change", () => form.requestSubmit());
  more.addEventListener("click", () => load({ again: true }));
  await load();
}

start().catch((error) => announce(status, `Could not load the page: ${error.message}`, "error"));
