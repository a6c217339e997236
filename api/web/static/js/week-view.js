// Renderings of a seller's week (DESIGN section 6): the agenda grouped into overdue, coming
// up and unscheduled; the week's goals with progress bars and the streak; the scorecard's
// counts, each explained where it is shown. Deals are named by title and linked, never by id.

import { interactionText, times } from "./deal-view.js";
import { explanation } from "./explain.js";
import { badge, h, money, percent, time, words } from "./ui.js";

/** The goal metrics in the pages' words (the API's names are the keys). */
export const METRIC_WORDS = {
  MeetingGained: "Meetings gained",
  CustomerDataGathered: "Customer data gathered",
  StakeholderBoughtIn: "Stakeholders bought in",
  DemoScheduled: "Demos scheduled",
  VerbalCommitment: "Verbal commitments",
  commitments_gained: "Commitments gained in interactions",
  interactions_planned_with_objective: "Interactions planned with a commitment objective",
  interactions_completed: "Interactions completed",
};

export const metricWords = (metric) => METRIC_WORDS[metric] || words(metric);

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function agendaItem(item) {
  return h("li", { class: `interaction agenda-item${item.overdue ? " overdue" : ""}`, "data-deal": item.title },
    h("h4", {}, h("a", { href: `/app/deals/${encodeURIComponent(item.opportunity_id)}` }, item.title)),
    h("p", { class: "meta" }, item.account, " · ", item.status === "paused" ? badge("Paused", "paused") : "open",
      " · stage ", words(item.stage),
      item.next_small_win ? [" · next small win: ", h("strong", {}, words(item.next_small_win))] : null),
    h("p", { class: "what" }, h("strong", {}, interactionText(item))),
    h("p", { class: "when" },
      item.planned_for ? ["Planned for ", time(item.planned_for)] : "No time set",
      item.overdue ? [" ", badge("Overdue", "due")] : null,
      item.slips ? [" · ", h("span", { class: "slips" }, `slipped ${times(item.slips)}`)] : null),
    item.commitment_objective ? h("p", { class: "objective" }, "Commitment objective: ", item.commitment_objective) : null);
}

function agendaExplanation() {
  return explanation("What overdue and slipped mean",
    h("p", {}, "The agenda lists every interaction planned on an open or paused deal and not yet completed or cancelled, soonest first, whatever the week chosen below."),
    h("p", {}, "Overdue: its planned time has passed and it is neither completed nor cancelled. Complete it, or reschedule it, on the deal's page."),
    h("p", {}, "Slipped: it was rescheduled after the time it was planned for had passed."));
}

/** The agenda: overdue first, then coming up (soonest first), then those without a time. */
export function agenda(items, owner) {
  if (!items.length) {
    return [h("p", { class: "empty" }, `Nothing planned on ${owner}'s open or paused deals. Plan the next interaction from a deal's page.`), agendaExplanation()];
  }
  const groups = [
    ["Overdue", items.filter((i) => i.overdue)],
    ["Coming up", items.filter((i) => !i.overdue && i.planned_for)],
    ["No time set", items.filter((i) => !i.planned_for)],
  ].filter(([, list]) => list.length);
  return [
    agendaExplanation(),
    groups.map(([title, list]) => h("div", { class: "agenda-group", "data-group": title },
      h("h3", {}, title, " ", h("span", { class: "count" }, `(${list.length})`)),
      h("ol", { class: "interactions" }, list.map(agendaItem)))),
  ];
}

function goalRow(row, index) {
  const id = `goal-label-${index}`;
  return h("li", { class: `goal${row.met ? " met" : ""}`, "data-metric": row.metric },
    h("p", { id }, h("strong", {}, metricWords(row.metric)), `: ${row.actual} of ${row.target} `,
      row.met ? badge("Met", "ok") : badge(`${row.target - row.actual} to go`, "muted")),
    h("progress", { max: Math.max(row.target, 1), value: Math.min(row.actual, Math.max(row.target, 1)), "aria-labelledby": id }));
}

/** The goals in force for the week, how far each is, and the streak before it. */
export function goals(card) {
  const streak = card.streak_weeks;
  return [
    card.goals.length
      ? h("ul", { class: "goals" }, card.goals.map(goalRow))
      : h("p", { class: "empty" }, `No goals were in force for ${card.week}.`),
    h("p", { class: "streak" }, "Streak: ", streak
      ? [h("strong", {}, plural(streak, "week")), " in a row before this one with every goal met."]
      : [h("strong", {}, "none"), ": the week before this one had no goals, or missed one."]),
    explanation("How goals and the streak are counted",
      h("p", {}, "A goal is a weekly target for one count of the scorecard; it is met when the week's count reaches the target. ",
        "The goals in force for a week are the last ones set before the week ended."),
      h("p", {}, "The streak counts the weeks right before this one, in a row, that had goals and met every one of them; this week joins it once all its goals are met and it is over.")),
  ];
}

function stats(rows) {
  return h("dl", { class: "stats" }, rows.map(([term, value, name]) =>
    h("div", { "data-stat": name || term }, h("dt", {}, term), h("dd", {}, String(value)))));
}

function wonAmounts(amounts) {
  const entries = Object.entries(amounts || {});
  return entries.length ? entries.map(([currency, sum]) => money(sum, currency)).join(" + ") : "nothing won";
}

/** The week's counts: small wins, interactions, deals and what is overdue now. */
export function scorecard(card) {
  const wins = card.small_wins;
  const i = card.interactions;
  const d = card.deals;
  const total = Object.values(wins).reduce((sum, n) => sum + n, 0);
  return [
    h("p", { class: "summary" }, `${card.owner} in ${card.week}: `, h("strong", {}, plural(total, "small win")),
      `, ${plural(i.completed, "interaction")} completed, ${plural(d.won, "deal")} won; `,
      card.overdue_now ? [h("strong", {}, plural(card.overdue_now, "interaction")), " overdue now."] : "nothing overdue now."),
    explanation("What the scorecard counts",
      h("p", {}, "Events on the seller's deals that happened during the week (Monday to Sunday, in the team's time zone), by when they happened, not when they were recorded. ",
        "Overdue now is counted at this moment, whatever the week.")),
    h("h3", {}, "Small wins"),
    stats(Object.entries(wins).map(([metric, n]) => [metricWords(metric), n, metric])),
    h("h3", {}, "Interactions"),
    stats([
      ["Planned", i.planned, "planned"],
      ["Planned with an objective", i.planned_with_objective, "planned_with_objective"],
      ["Completed", i.completed, "completed"],
      ["Commitments gained", i.commitments_gained, "commitments_gained"],
      ["Commitment rate", percent(i.commitment_rate), "commitment_rate"],
      ["Rescheduled", i.rescheduled, "rescheduled"],
      ["Slipped", i.slipped, "slipped"],
      ["Cancelled", i.cancelled, "cancelled"],
    ]),
    explanation("What commitment rate and slipped mean",
      h("p", {}, "Commitment rate: of the interactions completed this week that named a commitment objective ",
        `(${i.completed_with_objective}), the share where the customer made that commitment. `,
        "With none completed with an objective there is no rate (—)."),
      h("p", {}, "Slipped: reschedules recorded after the time they moved had already passed.")),
    h("h3", {}, "Deals"),
    stats([["Opened", d.opened, "opened"], ["Won", d.won, "won"], ["Lost", d.lost, "lost"], ["Overdue now", card.overdue_now, "overdue_now"]]),
    h("p", { class: "won-amounts" }, "Won this week: ", wonAmounts(d.won_amounts)),
  ];
}
