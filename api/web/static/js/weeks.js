// ISO weeks ("2026-W49": Monday to Sunday) by calendar arithmetic on dates, no time zone
// involved: a week's name, its Monday, the weeks around it, and its days in words.

const DAY_MS = 86_400_000;
const WEEK = /^(\d{4})-W(\d{2})$/;
const DAY = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });

function mondayOfWeekOne(year) {
  const jan4 = Date.UTC(year, 0, 4);
  return jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
}

/** The name of the week holding the calendar day `utcMidnight` (a Date.UTC value). */
export function weekName(utcMidnight) {
  const day = (new Date(utcMidnight).getUTCDay() + 6) % 7;
  const thursday = utcMidnight + (3 - day) * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - mondayOfWeekOne(year)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The Monday of "2026-W49" as a Date.UTC value, or null when it names no week. */
export function mondayOf(name) {
  const match = WEEK.exec(name);
  if (!match) return null;
  const monday = mondayOfWeekOne(Number(match[1])) + (Number(match[2]) - 1) * 7 * DAY_MS;
  return weekName(monday) === name ? monday : null;
}

/** The week `weeks` after (or before, when negative) the week `name`. */
export function shifted(name, weeks) {
  return weekName(mondayOf(name) + weeks * 7 * DAY_MS);
}

/** The week holding `date`'s day in the reader's calendar. */
export function weekOf(date = new Date()) {
  return weekName(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()));
}

/** The instant the week starts in the reader's time zone (Monday 00:00 there). */
export function localStart(name) {
  const monday = new Date(mondayOf(name));
  return new Date(monday.getUTCFullYear(), monday.getUTCMonth(), monday.getUTCDate());
}

/** "Nov 30, 2026 to Dec 6, 2026". */
export function weekSpan(name) {
  const monday = mondayOf(name);
  return `${DAY.format(monday)} to ${DAY.format(monday + 6 * DAY_MS)}`;
}
