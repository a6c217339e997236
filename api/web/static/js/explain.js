// What the numbers mean, said where they are shown: momentum, its trend, stalls, active days,
// coverage and lift, with this server's settings (GET /v1/settings). Each explanation is a
// <details> the reader opens when they want it.

import { h, score } from "./ui.js";

/** The weight of each small win in momentum (domain/momentum.py `weight`; a test compares). */
export const WEIGHTS = {
  MeetingGained: 1,
  CustomerDataGathered: 1,
  InteractionCompleted: 1, // when the commitment was gained
  DemoScheduled: 2,
  StakeholderBoughtIn: 2, // 3 for a decision maker or an economic buyer
  StakeholderBoughtInDecisionMaker: 3,
  VerbalCommitment: 3,
};

/** Below this many deals a rate or a lift says little: the pages warn. */
export const FEW_DEALS = 10;

const days = (value) => `${Number(value)} day${Number(value) === 1 ? "" : "s"}`;

/** A <details> the reader opens: `summary` as its line, `body` inside. */
export function explanation(summary, ...body) {
  return h("details", { class: "explain" }, h("summary", {}, summary), h("div", { class: "explain-body" }, body));
}

/** "What does 7.42 mean?": the sum of recent small wins' weights, halved every half-life. */
export function momentumExplanation(settings, value) {
  const m = settings.momentum;
  const half = m.half_life_days;
  return explanation(
    value === undefined ? "What momentum means" : `What does ${score(value)} mean?`,
    h("p", {}, `Momentum is the sum of the weights of the deal's small wins, each halved for every ${days(half)} of active time since it happened (the half-life). `,
      `A verbal commitment (weight 3) counts 3 on its day, 1.5 after ${days(half)} active, 0.75 after ${days(half * 2)}.`),
    h("p", {}, `Weights: meeting ${WEIGHTS.MeetingGained}, customer data ${WEIGHTS.CustomerDataGathered}, a commitment gained in an interaction ${WEIGHTS.InteractionCompleted}, `,
      `demo ${WEIGHTS.DemoScheduled}, a stakeholder bought in ${WEIGHTS.StakeholderBoughtIn} (${WEIGHTS.StakeholderBoughtInDecisionMaker} for a decision maker or an economic buyer), `,
      `verbal commitment ${WEIGHTS.VerbalCommitment}.`),
    h("p", {}, `Rising or falling: at least ${m.trend_step} above or below what it was ${days(m.trend_window_days)} earlier; steady otherwise. `,
      `Stalled: an open deal without a small win for more than ${days(m.stall_threshold_days)} of active time.`),
    activeDaysText(),
  );
}

function activeDaysText() {
  return h("p", {}, "Active days are calendar days the deal was not paused: while a deal is paused its momentum does not fade, and it cannot stall.");
}

/** "Active days": calendar days minus paused time. */
export function activeDaysExplanation(settings) {
  return explanation("What are active days?", activeDaysText(),
    h("p", {}, `After ${days(settings.momentum.stall_threshold_days)} of active time without a small win, an open deal is stalled.`));
}

/** Coverage: the share of the named buying departments where someone bought in. */
export function coverageExplanation() {
  return explanation("What coverage means",
    h("p", {}, "Coverage is the share of the deal's buying departments (named on the deal) where at least one stakeholder bought in. ",
      "Departments reached that are not among them do not count; with no buying departments named there is no coverage."),
    h("p", {}, "Single-threaded: at most one person reached at the customer, so the deal hangs on them."));
}

/** Lift: the win rate with a small win divided by the win rate without it. */
export function liftExplanation() {
  return explanation("What lift means",
    h("p", {}, "Lift is the win rate of closed deals where that small win happened before the close, divided by the win rate of those where it did not: ",
      "×2.00 means deals with it were won twice as often. It shows what went with winning, not what caused it."),
    h("p", {}, `A rate resting on fewer than ${FEW_DEALS} deals is marked: it could change a lot with the next few closes.`));
}

/** A warning when a figure rests on fewer than FEW_DEALS deals (null otherwise). */
export function fewDeals(count, what = "deals") {
  if (count >= FEW_DEALS) return null;
  return h("span", { class: "badge badge-warn few" }, `only ${count} ${what}`);
}
