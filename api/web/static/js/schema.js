// The forms' fields, read from the API's own OpenAPI document: each event type's request body
// (the `EventBody` union, picked by `type`) and the opening's (`OpenOpportunity`), which the
// server derives from the domain's event declarations. Names, kinds, choices, limits, what is
// required and the descriptions all come from there, so a form cannot ask for a field the API
// does not take, or miss one it does. Only the words a field is labelled with are the pages'.

import { openapi } from "./api.js";

/** Labels where the field's name alone would read poorly ("Type.field" first, then "field"). */
const LABELS = {
  occurred_at: "When it happened",
  summary: "What you learned",
  purpose: "Purpose (why)",
  kind: "Kind of meeting",
  interaction_id: "Planned interaction",
  scheduled_for: "Demo date and time",
  "StakeholderBoughtIn.title": "Job title",
  "VerbalCommitment.stakeholder": "Who committed",
  "ClosedWon.amount": "Final amount",
  "OpportunityOpened.occurred_at": "When it was opened",
  "InteractionRescheduled.planned_for": "New time",
  planned_for: "Planned for",
  buying_departments: "Buying departments",
  referrer_account: "Referrer account",
  referred_by: "Referred by",
};

/** Help where the API's description is written for programmers. */
const HELP = {
  occurred_at: "Leave empty for now. Not before the deal was opened, nor in the future.",
  interaction_id: null,
  note: null,
};

const OPENING = "OpportunityOpened";

function resolve(document, schema) {
  let found = schema || {};
  while (found.$ref) found = document.components.schemas[found.$ref.split("/").pop()];
  return found;
}

/** The schema of a property without its `null` alternative, and whether it had one. */
function nonNull(document, property) {
  const options = property.anyOf || property.oneOf;
  if (!options) return { schema: resolve(document, property), nullable: false };
  const kept = options.filter((option) => option.type !== "null");
  return { schema: resolve(document, { ...kept[0] }), nullable: kept.length < options.length, merged: property };
}

function kindOf(name, schema) {
  if (name === "interaction_id") return "interaction";
  if (schema.enum) return "select";
  if (schema.type === "boolean") return "checkbox";
  if (schema.type === "number") return "number";
  if (schema.type === "integer") return "integer";
  if (schema.type === "array") return "list";
  if (schema.format === "date-time") return "datetime";
  if (schema.format === "date") return "date";
  if (schema.maxLength && schema.maxLength > 200) return "textarea";
  return "text";
}

function words(name) {
  const spaced = name.replace(/_/g, " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** What the pages show of a description: its first sentence, without markup or status codes. */
export function plainDescription(text) {
  if (!text) return "";
  const first = text.replace(/\s+/g, " ").split(/(?<=\.)\s/)[0];
  return first.replace(/\s*\([^)]*\b[1-5]\d\d\b[^)]*\)/g, "").replace(/`/g, "").trim();
}

function field(document, type, name, property, required) {
  const { schema } = nonNull(document, property);
  const kind = kindOf(name, schema);
  const help = Object.hasOwn(HELP, name) ? HELP[name] : plainDescription(property.description || schema.description);
  return {
    name,
    kind,
    label: LABELS[`${type}.${name}`] || LABELS[name] || words(name),
    required,
    help: kind === "list" ? [help, "Names, separated by commas."].filter(Boolean).join(" ") : help,
    options: schema.enum || null,
    maxLength: schema.maxLength ?? schema.items?.maxLength ?? null,
    minLength: schema.minLength ?? null,
    minimum: schema.minimum ?? null,
  };
}

function formOf(document, type, schema) {
  const required = new Set(schema.required || []);
  const fields = Object.entries(schema.properties || {})
    .filter(([name]) => name !== "type")
    .map(([name, property]) => field(document, type, name, property, required.has(name)));
  return { type, description: plainDescription(schema.description), fields };
}

/** Every event type's form: {type: {type, description, fields: [...]}} (the opening too). */
export async function eventForms() {
  const document = await openapi();
  const schemas = document.components.schemas;
  const union = schemas.EventBody;
  const forms = {};
  const typeOf = new Map(Object.entries(union.discriminator.mapping).map(([type, ref]) => [ref, type]));
  for (const { $ref: ref } of union.oneOf) { // the domain's order (the mapping is sorted)
    const type = typeOf.get(ref);
    forms[type] = formOf(document, type, resolve(document, { $ref: ref }));
  }
  forms[OPENING] = formOf(document, OPENING, schemas.OpenOpportunity);
  return forms;
}
