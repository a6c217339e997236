// Renderings of the pipeline review (DESIGN section 7): the count of each kind of change, what
// each kind means, and the deals grouped by kind, each deal linked to its page and shown as it
// stood at the start and at the end.

import { accountHref, dealHref, statusBadge } from "./account-view.js";
import { explanation, momentumExplanation } from "./explain.js";
import { h, score, time, words } from "./ui.js";

const NUMBER = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

export const KINDS = ["new", "advanced", "won", "lost", "paused", "resumed", "stalled", "revived", "slipped", "pushed"];

const TITLES = {
  new: "New", advanced: "Advanced", won: "Won", lost: "Lost", paused: "Paused", resumed: "Resumed",
  stalled: "Stalled", revived: "Revived", slipped: "Slipped", pushed: "Close date pushed",
};

export const kindTitle = (kind) => TITLES[kind] || words(kind);

function meanings(settings) {
  const stall = settings ? `${settings.momentum.stall_threshold_days} days` : "the stall threshold";
  return {
    new: "opened during the period (nothing about it was recorded by its start)",
    advanced: "reached a higher rung of the ladder of small wins than it had at the start",
    won: "won by the end, not at the start", lost: "lost by the end, not at the start",
    paused: "paused at the end, not at the start", resumed: "paused at the start, open again at the end",
    stalled: `stalled by the end: open without a small win for more than ${stall} of active time`,
    revived: "stalled at the start, open and moving again at the end",
    slipped: "an interaction was rescheduled after the time it was planned for had passed",
    pushed: "its expected close date is later at the end than at the start",
  };
}

/** The count of every kind, and what each one means. */
export function summary(counts, settings) {
  const meaning = meanings(settings);
  return [
    h("dl", { class: "stats kinds" }, KINDS.map((kind) =>
      h("div", { "data-kind": kind }, h("dt", {}, kindTitle(kind)), h("dd", {}, String(counts[kind] ?? 0))))),
    explanation("What each kind of change means",
      h("p", {}, "Each deal is compared as it had been recorded at the start of the period with how it stood at its end; a deal can show several kinds, and is counted under each."),
      h("dl", { class: "definitions" }, KINDS.map((kind) => [h("dt", {}, kindTitle(kind)), h("dd", {}, `The deal ${meaning[kind]}.`)]))),
    settings ? momentumExplanation(settings) : null,
  ];
}

function moved(label, before, after, show = (v) => v) {
  if (!before) return [label, " ", h("strong", {}, show(after))];
  if (before === after || JSON.stringify(before) === JSON.stringify(after)) return [label, " ", show(after)];
  return [label, " ", show(before), " → ", h("strong", {}, show(after))];
}

function standing(item) {
  const b = item.before;
  const a = item.after;
  const amount = (v) => (v === null ? "not set" : NUMBER.format(v));
  const day = (v) => (v ? time(v, { dateOnly: true }) : "not set");
  const parts = [
    moved("stage", b && words(b.stage), words(a.stage)),
    moved("momentum", b && score(b.momentum), score(a.momentum)),
  ];
  if (!b || b.status !== a.status) parts.push(moved("status", b && words(b.status).toLowerCase(), words(a.status).toLowerCase()));
  if (b && b.amount !== a.amount) parts.push(moved("amount", amount(b.amount), amount(a.amount)));
  if ((b && b.expected_close !== a.expected_close) || (!b && a.expected_close)) {
    parts.push(b ? ["expected close ", day(b.expected_close), " → ", h("strong", {}, day(a.expected_close))] : ["expected close ", day(a.expected_close)]);
  }
  return parts.map((part, i) => [i ? " · " : "", part]);
}

function dealItem(item) {
  return h("li", { class: "closed-item changed-deal", "data-deal": item.title },
    h("a", { href: dealHref(item.opportunity_id) }, h("strong", {}, item.title)), " ",
    statusBadge(item.after.status),
    h("p", { class: "meta" }, h("a", { href: accountHref(item.account) }, item.account), ` · owner ${item.owner}`,
      ` · changes: ${item.changes.map(kindTitle).join(", ").toLowerCase()}`),
    h("p", { class: "moves" }, item.before ? null : "Opened: ", standing(item)));
}

/** The deals grouped by kind, in the kinds' order; a kind without deals is left out. */
export function groups(items) {
  return KINDS.map((kind) => [kind, items.filter((item) => item.changes.includes(kind))])
    .filter(([, list]) => list.length)
    .map(([kind, list]) => h("section", { class: "panel changes-group", "data-kind": kind, "aria-labelledby": `group-${kind}` },
      h("h2", { id: `group-${kind}` }, kindTitle(kind), " ", h("span", { class: "count" }, `(${list.length})`)),
      h("ul", { class: "closed-cards" }, list.map(dealItem))));
}
