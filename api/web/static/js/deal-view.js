// Renderings of one deal's state (DESIGN section 4): where it stands on the ladder, its
// momentum, its departments by depth, its timeline and the verify result.

import { badge, formatDate, h, money, percent, RUNGS, score, time, TREND_ARROWS, words } from "./ui.js";

const DEPTHS = ["contacted", "bought_in", "decision_maker"];
const SMALL_WINS = new Set(["MeetingGained", "CustomerDataGathered", "StakeholderBoughtIn", "DemoScheduled", "VerbalCommitment"]);

export function isSmallWin(item) {
  return SMALL_WINS.has(item.type) || (item.type === "InteractionCompleted" && item.data.commitment_gained === true);
}

export function meta(state) {
  return [
    state.account,
    `owner ${state.owner}`,
    money(state.amount, state.currency),
    `opened ${formatDate(state.opened_at)}`,
    `source ${words(state.source)}`,
  ].filter(Boolean).join(" · ");
}

function ladder(state) {
  const reached = state.resume_point ? state.resume_point.rung : 0;
  return h(
    "ol",
    { class: "ladder", "aria-label": "Ladder of small wins" },
    RUNGS.map((rung, index) => {
      const isReached = index < reached;
      const isNext = rung === state.next_small_win;
      const note = isReached ? "reached" : isNext ? "next small win" : "not yet";
      return h(
        "li",
        { class: `rung${isReached ? " reached" : ""}${isNext ? " next" : ""}`, "aria-current": isNext ? "step" : null },
        h("span", { class: "rung-mark", "aria-hidden": "true" }, isReached ? "✓" : String(index + 1)),
        h("span", { class: "rung-name" }, words(rung)),
        h("span", { class: "rung-note" }, note),
      );
    }),
  );
}

function statusBadge(status) {
  const kinds = { open: "ok", paused: "paused", won: "won", lost: "lost" };
  return badge(words(status), kinds[status] || "info");
}

export function standing(state, { onRecordNext } = {}) {
  const m = state.momentum;
  const facts = [
    ["Status", [statusBadge(state.status), state.closed_at ? [" on ", time(state.closed_at)] : null]],
    ["Stage", words(state.stage)],
    ["Next small win", state.next_small_win ? h("strong", { class: "next-win" }, words(state.next_small_win)) : "—"],
    ["Resume point", state.resume_point
      ? [words(state.resume_point.name), " (v", state.resume_point.version, ", ", time(state.resume_point.occurred_at), ")"]
      : "none yet"],
    ["Momentum", [
      h("span", { class: "score" }, score(m.score)), " ",
      h("span", { class: `trend trend-${m.trend}` }, `${TREND_ARROWS[m.trend] || ""} ${words(m.trend)}`),
      m.stalled ? [" ", badge("Stalled", "warn")] : null,
    ]],
    ["Since the last small win", `${m.days_since_last_win} active days`],
    ["Last small win", state.last_small_win
      ? [words(state.last_small_win.type), ", ", time(state.last_small_win.occurred_at)]
      : "none yet"],
  ];
  if (state.paused) {
    facts.push(
      ["Paused because", h("span", { class: "reason" }, state.paused.reason)],
      ["Paused since", time(state.paused.since)],
      ["Resume on", state.paused.resume_on ? time(state.paused.resume_on, { dateOnly: true }) : "not set"],
    );
  }
  const canRecordNext = onRecordNext && state.next_small_win && state.status === "open";
  return [
    ladder(state),
    h("dl", { class: "facts" }, facts.map(([term, detail]) => [h("dt", {}, term), h("dd", {}, detail)])),
    canRecordNext
      ? h("button", { type: "button", class: "secondary", onclick: onRecordNext }, `Record the next small win: ${words(state.next_small_win)}`)
      : null,
  ];
}

function mark(yes, what) {
  return h("td", { class: yes ? "yes" : "no" },
    h("span", { "aria-hidden": "true" }, yes ? "✓" : "·"),
    h("span", { class: "visually-hidden" }, yes ? `${what}: yes` : `${what}: no`));
}

export function relationships(state) {
  const rel = state.relationships;
  const known = new Set(rel.departments.map((d) => d.name.toLowerCase()));
  const dark = state.buying_departments.filter((name) => !known.has(name.toLowerCase()));
  const rows = [
    ...rel.departments.map((d) => ({ name: d.name, level: DEPTHS.indexOf(d.depth), stakeholders: d.stakeholders })),
    ...dark.map((name) => ({ name, level: -1, stakeholders: [] })),
  ];
  const summary = h(
    "p",
    { class: "summary" },
    `${rel.bought_in_departments} department${rel.bought_in_departments === 1 ? "" : "s"} bought in`,
    rel.coverage === null ? "" : ` · coverage ${percent(rel.coverage)} of the buying departments`,
    rel.single_threaded ? [" ", badge("Single-threaded", "warn")] : null,
  );
  if (!rows.length) {
    return [summary, h("p", { class: "empty" }, "No department reached yet, and no buying departments named.")];
  }
  return [
    summary,
    h("div", { class: "table-scroll" },
      h("table", { class: "grid-table" },
        h("caption", { class: "visually-hidden" }, "Departments by depth of relationship"),
        h("thead", {}, h("tr", {},
          h("th", { scope: "col" }, "Department"),
          h("th", { scope: "col" }, "Contacted"),
          h("th", { scope: "col" }, "Bought in"),
          h("th", { scope: "col" }, "Decision maker"),
          h("th", { scope: "col", class: "col-stakeholders" }, "Stakeholders"))),
        h("tbody", {}, rows.map((row) => h("tr", { class: row.level < 0 ? "dark" : "" },
          h("th", { scope: "row" }, row.name, row.level < 0 ? [" ", badge("Not reached", "muted")] : null,
            row.stakeholders.length ? h("span", { class: "stakeholders-inline" }, row.stakeholders.join(", ")) : null),
          mark(row.level >= 0, "Contacted"),
          mark(row.level >= 1, "Bought in"),
          mark(row.level >= 2, "Decision maker bought in"),
          h("td", { class: "col-stakeholders" }, row.stakeholders.join(", ") || "—")))))),
  ];
}

const NAMED_VALUES = new Set(["role", "kind", "channel", "source"]);
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function shownValue(item, name, value) {
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string" && INSTANT.test(value)) return time(value);
  if (NAMED_VALUES.has(name) || (item.type === "ClosedLost" && name === "reason")) return words(value);
  if (name === "amount" && typeof value === "number") return money(value, item.data.currency);
  return String(value);
}

function eventData(item) {
  const entries = Object.entries(item.data).filter(([name, value]) =>
    name !== "note" && value !== null && value !== "" && !(Array.isArray(value) && !value.length));
  if (!entries.length && !item.data.note) return null;
  return [
    entries.length
      ? h("dl", { class: "event-data" }, entries.map(([name, value]) => [
        h("dt", {}, words(name)),
        h("dd", {}, shownValue(item, name, value)),
      ]))
      : null,
    item.data.note ? h("blockquote", { class: "note" }, item.data.note) : null,
  ];
}

export function timelineItem(item, { asOf, onAsOf }) {
  const later = asOf && new Date(item.recorded_at) > new Date(asOf);
  return h(
    "li",
    { class: `event${later ? " later" : ""}`, "data-version": item.version, "data-type": item.type },
    h("h3", {}, words(item.type), " ", h("span", { class: "version" }, `v${item.version}`),
      isSmallWin(item) ? [" ", badge("Small win", "win")] : null,
      later ? [" ", badge("Recorded later", "muted")] : null),
    h("p", { class: "when" }, "Occurred ", time(item.occurred_at), " · recorded ", time(item.recorded_at), " by ",
      h("strong", {}, item.recorded_by)),
    eventData(item),
    h("button", { type: "button", class: "link-button", onclick: () => onAsOf(item.recorded_at) },
      `See the deal as recorded after v${item.version}`),
  );
}

export function verifyResult(result) {
  if (result.ok) {
    return h("p", { class: "ok-line" }, badge("Verified", "ok"),
      ` ${result.checked} events checked against the hash chain: nothing was altered after the fact.`);
  }
  return h("div", { role: "alert" },
    h("p", {}, badge("Not verified", "lost"), ` ${result.problems.length} problem(s) in ${result.checked} events checked:`),
    h("ul", {}, result.problems.map((p) => h("li", {}, `v${p.version}: ${p.problem}`))));
}
