// Renderings of the accounts (DESIGN section 7): an account named and linked, its deals by
// status, its won amounts, what each figure means; and one account's page: its figures, its
// deals, its departments by depth and the deals it referred. Deals are named by their titles.

import { explanation } from "./explain.js";
import { badge, h, money, score, time, words } from "./ui.js";

const STATUSES = ["open", "paused", "won", "lost"];
const DEPTHS = ["contacted", "bought_in", "decision_maker"];

export const accountHref = (name) => `/app/accounts/${encodeURIComponent(name)}`;
export const dealHref = (id) => `/app/deals/${encodeURIComponent(id)}`;

export function accountLink(name) {
  return h("a", { href: accountHref(name) }, name);
}

/** "2 won, 1 lost, 1 open": the deals by status, zeros left out. */
export function countsText(counts) {
  const parts = STATUSES.filter((s) => counts[s]).map((s) => `${counts[s]} ${s}`);
  return parts.length ? parts.join(", ") : "none";
}

/** The won amounts per currency ("$52,000 + €18,000"); says so when won deals had none. */
export function wonText(amounts, won) {
  const entries = Object.entries(amounts || {});
  if (entries.length) return entries.map(([currency, sum]) => money(sum, currency)).join(" + ");
  return won ? "no amount recorded" : "—";
}

export function statusBadge(status) {
  const kinds = { open: "ok", paused: "paused", won: "won", lost: "lost" };
  return badge(words(status), kinds[status] || "info");
}

/** What the equity figures mean, under the table and on an account's page. */
export function equityExplanation() {
  return explanation("What these figures mean",
    h("p", {}, "Deals: the account's deals by where they stand now. Won: the amounts of its won deals, per currency (the final amount recorded at the win, else the deal's amount then); a won deal without an amount adds nothing."),
    h("p", {}, "First won: when its first deal was won. Repeat deals: its deals opened after that first win, the business a happy customer brings back."),
    h("p", {}, "Referrals given: deals of any account that name this account as the one that referred them, how many were won and for how much."),
    h("p", {}, "Departments bought in: its departments where at least one person bought in, over all its deals. Last small win: the latest small win on any of its deals."));
}

/** One account's figures as a list of facts. */
export function figures(a) {
  const r = a.referrals_given;
  const facts = [
    ["Deals", countsText(a.opportunities)],
    ["Won", wonText(a.won_amounts, a.opportunities.won)],
    ["First won", a.first_won_at ? time(a.first_won_at) : "not yet"],
    ["Repeat deals", `${a.repeat_opportunities} opened after the first win`],
    ["Referrals given", r.opened ? `${r.opened} deal${r.opened === 1 ? "" : "s"} referred, ${r.won} won (${wonText(r.won_amounts, r.won)})` : "none yet"],
    ["Departments bought in", String(a.departments_bought_in)],
    ["Last small win", a.last_small_win_at ? time(a.last_small_win_at) : "none yet"],
  ];
  return h("dl", { class: "facts" }, facts.map(([term, detail]) => [h("dt", {}, term), h("dd", { "data-fact": term }, detail)]));
}

/** The account's own deals, newest first, each linked, with who referred it when someone did. */
export function deals(items) {
  if (!items.length) return h("p", { class: "empty" }, "No deals.");
  return h("ul", { class: "closed-cards account-deals" }, items.map((d) => h("li", { class: "closed-item", "data-deal": d.title },
    h("a", { href: dealHref(d.id) }, h("strong", {}, d.title)), " ", statusBadge(d.status),
    h("p", { class: "meta" }, [
      `stage ${words(d.stage)}`,
      d.amount === null ? null : money(d.amount, d.currency),
      `owner ${d.owner}`,
      `momentum ${score(d.momentum.score)}`,
    ].filter(Boolean).join(" · "),
    d.referrer_account ? [" · referred by ", accountLink(d.referrer_account)] : null,
    d.referred_by ? ` · referred by ${d.referred_by}` : null))));
}

function mark(yes, what) {
  return h("td", { class: yes ? "yes" : "no" },
    h("span", { "aria-hidden": "true" }, yes ? "✓" : "·"),
    h("span", { class: "visually-hidden" }, `${what}: ${yes ? "yes" : "no"}`));
}

/** Its departments by depth across all its deals; `titles` names the deals by id. */
export function departments(rows, titles) {
  if (!rows.length) return h("p", { class: "empty" }, "No department reached yet.");
  return h("div", { class: "table-scroll" }, h("table", { class: "grid-table" },
    h("caption", { class: "visually-hidden" }, "Departments by depth of relationship"),
    h("thead", {}, h("tr", {}, ["Department", "Contacted", "Bought in", "Decision maker", "Stakeholders", "First bought in"]
      .map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, rows.map((d) => {
      const level = DEPTHS.indexOf(d.depth);
      const on = d.opportunities.map((id) => titles.get(id)).filter(Boolean);
      return h("tr", { "data-department": d.name },
        h("th", { scope: "row" }, d.name, on.length ? h("span", { class: "on-deals" }, `on ${on.join(", ")}`) : null),
        mark(level >= 0, "Contacted"), mark(level >= 1, "Bought in"), mark(level >= 2, "Decision maker bought in"),
        h("td", {}, d.stakeholders.join(", ") || "—"),
        h("td", {}, d.first_bought_in_at ? time(d.first_bought_in_at, { dateOnly: true }) : "not yet"));
    }))));
}

/** The deals this account referred (to any account), each linked, oldest first. */
export function referred(items) {
  if (!items.length) return h("p", { class: "empty" }, "No deal names this account as its referrer yet.");
  return h("ul", { class: "closed-cards referred" }, items.map((d) => h("li", { class: "closed-item" },
    h("a", { href: dealHref(d.id) }, h("strong", {}, d.title)), " for ", accountLink(d.account), " ", statusBadge(d.status))));
}
