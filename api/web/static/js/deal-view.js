// Renderings of one deal's state (DESIGN section 4): where it stands on the ladder, its
// momentum, its plan, its details, its departments by depth, its timeline and the verify
// result. Events are named in prose ("the 9th event"), never by a raw version or id.

import { activeDaysExplanation, coverageExplanation, momentumExplanation } from "./explain.js";
import { badge, eventName, formatDate, h, money, ordinal, percent, RUNGS, score, time, TREND_ARROWS, words } from "./ui.js";

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
    `source ${words(state.source).toLowerCase()}`,
  ].filter(Boolean).join(" · ");
}

/** The ladder exactly as the state says: the rungs reached (a lower one may be missing), the
 * resume point (the highest reached) and the next small win (the lowest not reached). */
function ladder(state) {
  const reached = new Map((state.rungs_reached || []).map((rung) => [rung.name, rung]));
  const resume = state.resume_point ? state.resume_point.name : null;
  return h(
    "ol",
    { class: "ladder", "aria-label": "Ladder of small wins" },
    RUNGS.map((rung, index) => {
      const got = reached.get(rung);
      const isNext = rung === state.next_small_win;
      const note = got ? (rung === resume ? "reached · resume point" : "reached") : isNext ? "next small win" : "not yet";
      return h(
        "li",
        {
          class: `rung${got ? " reached" : ""}${isNext ? " next" : ""}${rung === resume ? " resume" : ""}`,
          "aria-current": isNext ? "step" : null,
          "data-rung": rung,
        },
        h("span", { class: "rung-mark", "aria-hidden": "true" }, got ? "✓" : String(index + 1)),
        h("span", { class: "rung-name" }, words(rung)),
        h("span", { class: "rung-note" }, note),
        got ? h("span", { class: "rung-when" }, time(got.occurred_at, { dateOnly: true })) : null,
      );
    }),
  );
}

function statusBadge(status) {
  const kinds = { open: "ok", paused: "paused", won: "won", lost: "lost" };
  return badge(words(status), kinds[status] || "info");
}

/** "Decision makers, reached Nov 24, 2026 by the 9th event (Stakeholder bought in)". */
function reachedBy(point, byVersion) {
  const item = byVersion.get(point.version);
  return [words(point.name), ", reached ", time(point.occurred_at), ` by ${eventName(point.version, null)}`,
    item ? ` (${words(item.type)})` : ""];
}

export function standing(state, { settings, byVersion = new Map(), onRecordNext } = {}) {
  const m = state.momentum;
  const facts = [
    ["Status", [statusBadge(state.status), state.closed_at ? [" on ", time(state.closed_at)] : null]],
    ["Stage", words(state.stage)],
    ["Next small win", state.next_small_win
      ? h("strong", { class: "next-win" }, words(state.next_small_win))
      : state.status === "won" || state.status === "lost" ? "none: the deal is closed" : "none left: every rung is reached"],
    ["Resume point", state.resume_point ? reachedBy(state.resume_point, byVersion) : "none yet: it would start at the first rung"],
    ["Momentum", [
      h("span", { class: "score" }, score(m.score)), " ",
      h("span", { class: `trend trend-${m.trend}` }, `${TREND_ARROWS[m.trend] || ""} ${words(m.trend)}`),
      m.stalled ? [" ", badge("Stalled", "warn")] : null,
      settings ? momentumExplanation(settings, m.score) : null,
    ]],
    ["Since the last small win", [`${m.days_since_last_win} active days`, settings ? activeDaysExplanation(settings) : null]],
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

/** "once", "twice", "3 times". */
export function times(n) {
  return n === 1 ? "once" : n === 2 ? "twice" : `${n} times`;
}

/** What a planned interaction is, in a line: "Video with Sam (Finance): Walk through pricing". */
export function interactionText(i) {
  return `${words(i.channel)} with ${i.contact} (${i.department}): ${i.purpose}`;
}

function interactionItem(i, { actions, isNext }) {
  return h("li", { class: `interaction${i.overdue ? " overdue" : ""}`, "data-interaction": i.interaction_id },
    h("p", { class: "what" }, isNext ? [badge("Next step", "info"), " "] : null, h("strong", {}, interactionText(i))),
    h("p", { class: "when" },
      i.planned_for ? ["Planned for ", time(i.planned_for)] : "No time set",
      i.overdue ? [" ", badge("Overdue", "due")] : null,
      i.slips ? [" · ", h("span", { class: "slips" }, `slipped ${times(i.slips)}`)] : null),
    i.commitment_objective ? h("p", { class: "objective" }, "Commitment objective: ", i.commitment_objective) : null,
    actions.length ? h("div", { class: "actions" }, actions.map(([label, type, values]) =>
      h("button", { type: "button", class: "secondary", "data-action": type, onclick: () => values.go(type, values.preset),
        "aria-label": `${label}: ${interactionText(i)}` }, label))) : null);
}

/**
 * The plan: the next step, every open interaction (when, overdue, slips) and, for editors,
 * the moves each allows now. `go(type, values)` opens the recording form on that move.
 */
export function plan(state, { allowed = [], go } = {}) {
  const open = state.open_interactions;
  const nextId = state.next_step ? state.next_step.interaction_id : null;
  const moves = [["Completed…", "InteractionCompleted"], ["Reschedule…", "InteractionRescheduled"], ["Cancel…", "InteractionCancelled"]]
    .filter(([, type]) => go && allowed.includes(type));
  const intro = state.next_step
    ? h("p", { class: "next-step" }, "Next step: ", h("strong", {}, interactionText(state.next_step)), ", ",
      time(state.next_step.planned_for), state.next_step.overdue ? [" ", badge("Overdue", "due")] : null)
    : h("p", { class: "empty" }, open.length ? "No open interaction has a time yet: give one a time to make it the next step." : "Nothing planned.");
  return [
    intro,
    open.length
      ? h("ol", { class: "interactions" }, open.map((i) => interactionItem(i, {
        isNext: i.interaction_id === nextId,
        actions: moves.map(([label, type]) => [label, type, {
          go, preset: type === "InteractionRescheduled" ? { interaction_id: i.interaction_id, planned_for: i.planned_for } : { interaction_id: i.interaction_id },
        }]),
      })))
      : null,
    open.some((i) => i.slips) ? h("p", { class: "help" }, "A slip: the interaction was moved after the time it was planned for had passed.") : null,
    go && allowed.includes("InteractionPlanned")
      ? h("button", { type: "button", class: "secondary", onclick: () => go("InteractionPlanned", {}) }, "Plan an interaction…")
      : null,
  ];
}

/** The deal's details as they stand (what "Edit details" changes, and how it was opened). */
export function details(state) {
  const pushes = state.close_date_pushes;
  const facts = [
    ["Title", state.title],
    ["Account", state.account],
    ["Owner", state.owner],
    ["Amount", state.amount === null ? "not set" : money(state.amount, state.currency)],
    ["Currency", state.currency],
    ["Expected close", state.expected_close
      ? [time(state.expected_close, { dateOnly: true }), pushes ? ` (pushed later ${times(pushes)})` : ""]
      : "not set"],
    ["Buying departments", state.buying_departments.join(", ") || "none named"],
    ["Source", words(state.source)],
    ["Referred by", state.referred_by || "—"],
    ["Referrer account", state.referrer_account || "—"],
  ];
  return h("dl", { class: "facts" }, facts.map(([term, detail]) => [h("dt", {}, term), h("dd", { "data-detail": term }, detail)]));
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
    return [summary, coverageExplanation(), h("p", { class: "empty" }, "No department reached yet, and no buying departments named.")];
  }
  return [
    summary,
    coverageExplanation(),
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
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** How one recorded value reads; `context` names interactions and other events. */
function shownValue(item, name, value, context) {
  if (name === "interaction_id") return context.describeInteraction(value) || "a planned interaction";
  if (item.type === "EventRetracted" && name === "version") return eventName(value, context.byVersion.get(value));
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string" && INSTANT.test(value)) return time(value);
  if (typeof value === "string" && DAY.test(value)) return time(value, { dateOnly: true });
  if (NAMED_VALUES.has(name) || (item.type === "ClosedLost" && name === "reason")) return words(value);
  if (name === "amount" && typeof value === "number") return money(value, item.data.currency || context.currency);
  return String(value);
}

const LABELS = { interaction_id: "Interaction", version: "Takes back" };

function eventData(item, context) {
  const entries = Object.entries(item.data).filter(([name, value]) =>
    name !== "note" && value !== null && value !== "" && !(Array.isArray(value) && !value.length)
    && !(item.type === "InteractionPlanned" && name === "interaction_id")); // its fields say what it is
  if (!entries.length && !item.data.note) return null;
  return [
    entries.length
      ? h("dl", { class: "event-data" }, entries.map(([name, value]) => [
        h("dt", {}, LABELS[name] || words(name)),
        h("dd", {}, shownValue(item, name, value, context)),
      ]))
      : null,
    item.data.note ? h("blockquote", { class: "note" }, item.data.note) : null,
  ];
}

/** Whether an event may be taken back (the domain says the rest: a 409 when another depends on it). */
export function canTakeBack(item) {
  return item.version > 1 && item.type !== "EventRetracted" && !item.retracted_by;
}

/**
 * One timeline entry. context: {asOf, onAsOf, byVersion, describeInteraction, currency,
 * takeBack (item) => form element, or null when this reader may not}.
 */
export function timelineItem(item, context) {
  const { asOf, onAsOf, byVersion } = context;
  const later = asOf && new Date(item.recorded_at) > new Date(asOf);
  const retraction = item.retracted_by ? byVersion.get(item.retracted_by) : null;
  const name = eventName(item.version, item);
  const slot = h("div", { class: "take-back-slot" });
  const takeBack = context.takeBack && !asOf && canTakeBack(item)
    ? h("button", { type: "button", class: "link-button take-back", "aria-expanded": "false", "aria-label": `Take back ${name}` }, "Take back…")
    : null;
  if (takeBack) {
    takeBack.addEventListener("click", () => {
      const opening = !slot.firstChild;
      slot.replaceChildren(...(opening ? [context.takeBack(item, () => {
        slot.replaceChildren();
        takeBack.setAttribute("aria-expanded", "false");
        takeBack.focus();
      })] : []));
      takeBack.setAttribute("aria-expanded", String(opening));
      if (opening) slot.querySelector("textarea, input:not([type=hidden])")?.focus();
    });
  }
  return h(
    "li",
    { class: `event${later ? " later" : ""}${item.retracted_by ? " retracted" : ""}`, "data-version": item.version, "data-type": item.type },
    h("h3", {}, h("span", { class: "event-type" }, words(item.type)), " ", h("span", { class: "version" }, `${ordinal(item.version)} event`),
      isSmallWin(item) ? [" ", badge("Small win", "win")] : null,
      item.retracted_by ? [" ", badge("Taken back", "lost")] : null,
      later ? [" ", badge("Recorded later", "muted")] : null),
    h("p", { class: "when" }, "Occurred ", time(item.occurred_at), " · recorded ", time(item.recorded_at), " by ",
      h("strong", {}, item.recorded_by)),
    item.retracted_by
      ? h("p", { class: "taken-back" }, `Taken back by ${eventName(item.retracted_by, null)}`,
        retraction ? [" on ", time(retraction.occurred_at), " by ", h("strong", {}, retraction.recorded_by), `: ${retraction.data.reason}`] : null,
        ". Nothing counts it any more.")
      : null,
    h("div", { class: "event-body" }, eventData(item, context)),
    h("div", { class: "event-actions" },
      h("button", { type: "button", class: "link-button", onclick: () => onAsOf(item.recorded_at) },
        "See the deal as recorded after this event", h("span", { class: "visually-hidden" }, ` (${name})`)),
      takeBack),
    slot,
  );
}

export function verifyResult(result) {
  if (result.ok) {
    return h("p", { class: "ok-line" }, badge("Verified", "ok"),
      ` ${result.checked} events checked against the hash chain: nothing was altered after the fact.`);
  }
  return h("div", { role: "alert" },
    h("p", {}, badge("Not verified", "lost"), ` ${result.problems.length} problem(s) in ${result.checked} events checked:`),
    h("ul", {}, result.problems.map((p) => h("li", {}, `The ${ordinal(p.version)} event: ${p.problem}`))));
}
