// Recording events from the deal page: one set of fields per event type (DESIGN section 2),
// POSTed to /v1/opportunities/{id}/events with If-Match and an Idempotency-Key. A 422's
// errors are shown next to their fields; 409, 412 and the rest above the button.

import { ApiError, request } from "./api.js";
import { h, instantFromInput, replace, words } from "./ui.js";

const MEETING_KINDS = ["initial", "needs_analysis", "proposal", "decision_makers", "other"];
const ROLES = ["decision_maker", "economic_buyer", "champion", "influencer", "technical_evaluator", "user", "other"];
const CHANNELS = ["email", "phone", "meeting", "video", "other"];
const LOSS_REASONS = ["no_fit", "price", "competitor", "no_decision", "timing", "other"];

const text = (name, label, extra = {}) => ({ name, label, type: "text", ...extra });
const required = { required: true };
const department = text("department", "Department", { required: true, list: "known-departments" });

export const EVENT_FORMS = {
  MeetingGained: [
    text("contact", "Contact", required),
    department,
    { name: "kind", label: "Kind of meeting", type: "select", options: MEETING_KINDS },
  ],
  CustomerDataGathered: [{ name: "summary", label: "What you learned", type: "textarea", required: true }],
  StakeholderBoughtIn: [
    text("stakeholder", "Stakeholder", required),
    department,
    { name: "role", label: "Role", type: "select", options: ROLES, required: true },
    text("title", "Job title"),
  ],
  DemoScheduled: [
    { name: "scheduled_for", label: "Demo date and time", type: "datetime", required: true },
    text("attendees", "Attendees", { list: true, help: "Names, separated by commas." }),
  ],
  VerbalCommitment: [
    text("stakeholder", "Who committed", required),
    { name: "amount", label: "Amount", type: "number" },
  ],
  Paused: [
    { name: "reason", label: "Reason", type: "textarea", required: true },
    { name: "resume_on", label: "Resume on", type: "date" },
  ],
  Resumed: [],
  InteractionPlanned: [
    text("contact", "Contact", required),
    department,
    { name: "channel", label: "Channel", type: "select", options: CHANNELS, required: true },
    { name: "purpose", label: "Purpose (why)", type: "textarea", required: true },
    text("commitment_objective", "Commitment objective", { help: "What they should commit to next." }),
    { name: "planned_for", label: "When", type: "datetime", help: "When it should happen." },
  ],
  InteractionCompleted: [
    { name: "interaction_id", label: "Planned interaction", type: "interaction", required: true },
    { name: "commitment_gained", label: "The commitment was gained", type: "checkbox" },
    { name: "outcome", label: "Outcome", type: "textarea" },
  ],
  ClosedWon: [{ name: "amount", label: "Final amount", type: "number" }],
  ClosedLost: [{ name: "reason", label: "Reason", type: "select", options: LOSS_REASONS, required: true }],
};

const COMMON = [
  { name: "occurred_at", label: "When it happened", type: "datetime", help: "Leave empty for now." },
  { name: "note", label: "Note", type: "textarea" },
];

export const NEXT_WIN_TYPES = {
  meeting: "MeetingGained",
  customer_data: "CustomerDataGathered",
  decision_makers: "StakeholderBoughtIn",
  demo: "DemoScheduled",
  verbal_commitment: "VerbalCommitment",
};

/** The event types the deal's lifecycle allows now (DESIGN section 2, lifecycle invariants). */
export function allowedTypes(state) {
  if (state.status === "paused") return ["Resumed", "InteractionPlanned", "ClosedWon", "ClosedLost"];
  if (state.status !== "open") return [];
  return Object.keys(EVENT_FORMS).filter(
    (type) => type !== "Resumed" && (type !== "InteractionCompleted" || state.open_interactions.length),
  );
}

function interactionLabel(i) {
  const objective = i.commitment_objective ? ` — objective: ${i.commitment_objective}` : "";
  return `${i.contact} (${i.department}) by ${i.channel}: ${i.purpose}${objective}`;
}

function control(field, id, state) {
  const described = [field.help ? `${id}-help` : null, `${id}-error`].filter(Boolean).join(" ");
  const common = { id, name: field.name, "aria-describedby": described, required: field.required || null };
  switch (field.type) {
    case "textarea":
      return h("textarea", { ...common, rows: 3 });
    case "select":
      return h("select", common, field.options.map((value) => h("option", { value }, words(value))));
    case "interaction":
      return h("select", common, state.open_interactions.map((i) => h("option", { value: i.interaction_id }, interactionLabel(i))));
    case "checkbox":
      return h("input", { ...common, type: "checkbox", value: "true" });
    case "number":
      return h("input", { ...common, type: "number", min: 0, step: "any", inputmode: "decimal" });
    case "datetime":
      return h("input", { ...common, type: "datetime-local", step: 1 });
    case "date":
      return h("input", { ...common, type: "date" });
    default:
      return h("input", { ...common, type: "text", list: typeof field.list === "string" ? field.list : null, autocomplete: "off" });
  }
}

function fieldBlock(field, state) {
  const id = `event-${field.name}`;
  const label = h("label", { for: id }, field.label, field.required || field.type === "checkbox" ? "" : h("span", { class: "optional" }, " (optional)"));
  const input = control(field, id, state);
  const help = field.help ? h("p", { id: `${id}-help`, class: "help" }, field.help) : null;
  const error = h("p", { id: `${id}-error`, class: "field-error" });
  const checkbox = field.type === "checkbox";
  return h("div", { class: `field${checkbox ? " checkbox" : ""}`, "data-field": field.name },
    checkbox ? [input, label] : [label, input], help, error);
}

function value(form, field) {
  const element = form.elements[field.name];
  if (!element) return undefined;
  if (field.type === "checkbox") return element.checked;
  const raw = element.value;
  if (field.type === "datetime") return raw ? instantFromInput(raw) ?? raw : undefined;
  if (field.type === "number") {
    if (raw === "") return undefined;
    const number = Number(raw);
    return Number.isFinite(number) ? number : raw;
  }
  if (field.list === true) {
    const names = raw.split(",").map((name) => name.trim()).filter(Boolean);
    return names.length ? names : undefined;
  }
  if (raw.trim() === "" && !field.required) return undefined;
  return raw;
}

function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The recording form of one deal. `getState()` is the state shown; `onRecorded(state, type)`
 * runs after a 201 with the new state. Returns {render, choose}.
 */
export function recordingForm(form, { opportunityId, getState, onRecorded, departments }) {
  let pending = null; // {body, key}: a request whose answer never came, retried with its key

  function clearErrors() {
    for (const error of form.querySelectorAll(".field-error")) error.textContent = "";
    for (const invalid of form.querySelectorAll("[aria-invalid]")) invalid.removeAttribute("aria-invalid");
    const summary = form.querySelector("#record-problem");
    if (summary) summary.textContent = "";
  }

  function showProblem(message) {
    const summary = form.querySelector("#record-problem");
    summary.textContent = message;
  }

  function showFieldErrors(errors, fields) {
    const known = new Set(fields.map((f) => f.name));
    const elsewhere = [];
    let first = null;
    for (const { field, message } of errors) {
      const name = field === "type" ? "event-type" : field;
      const input = known.has(field) ? form.elements[field] : name === "event-type" ? form.elements.type : null;
      const slot = input ? form.querySelector(`#${input.id}-error`) : null;
      if (!slot) {
        elsewhere.push(`${words(field)}: ${message}`);
        continue;
      }
      slot.textContent = slot.textContent ? `${slot.textContent}; ${message}` : message;
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
    const count = errors.length;
    showProblem(`Not recorded: ${count} problem${count === 1 ? "" : "s"} to fix.${elsewhere.length ? ` ${elsewhere.join(" ")}` : ""}`);
    (first || form.querySelector("#record-problem")).focus();
  }

  function render(chosen) {
    const state = getState();
    const types = allowedTypes(state);
    if (!types.length) {
      replace(form, h("p", { class: "empty" }, `This deal is ${state.status}: nothing more can be recorded on it.`));
      return;
    }
    const type = types.includes(chosen) ? chosen : types.includes(form.elements.type?.value) ? form.elements.type.value : types[0];
    const fields = [...EVENT_FORMS[type], ...COMMON];
    const typeSelect = h("select", { id: "event-type", name: "type", "aria-describedby": "event-type-error" },
      types.map((t) => h("option", { value: t, selected: t === type }, words(t))));
    typeSelect.addEventListener("change", () => {
      render(typeSelect.value);
      form.elements.type.focus();
    });
    replace(
      form,
      h("div", { class: "field" }, h("label", { for: "event-type" }, "Event"), typeSelect,
        h("p", { id: "event-type-error", class: "field-error" })),
      h("fieldset", {}, h("legend", {}, words(type)), fields.map((f) => fieldBlock(f, state))),
      h("datalist", { id: "known-departments" }, departments().map((name) => h("option", { value: name }))),
      h("p", { id: "record-problem", class: "form-problem", role: "alert", tabindex: "-1" }),
      h("div", { class: "actions" }, h("button", { type: "submit" }, `Record ${words(type).toLowerCase()}`)),
    );
    form.dataset.type = type;
  }

  async function submit(event) {
    event.preventDefault();
    const state = getState();
    const type = form.elements.type.value;
    const fields = [...EVENT_FORMS[type], ...COMMON];
    const body = { type };
    for (const field of fields) {
      const v = value(form, field);
      if (v !== undefined) body[field.name] = v;
    }
    const serialized = JSON.stringify(body);
    const key = pending && pending.body === serialized ? pending.key : idempotencyKey();
    pending = { body: serialized, key };
    clearErrors();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      const { data } = await request(`/v1/opportunities/${opportunityId}/events`, {
        method: "POST",
        body,
        headers: { "If-Match": `"${state.version}"`, "Idempotency-Key": key },
      });
      pending = null;
      await onRecorded(data, type);
      render(type);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status !== 0) pending = null;
      if (error.status === 422 && error.fieldErrors.length) {
        showFieldErrors(error.fieldErrors, fields);
      } else if (error.status === 412) {
        showProblem("Not recorded: someone recorded on this deal since the page was loaded. Reload the page to see the change, then record again.");
        form.querySelector("#record-problem").focus();
      } else if (error.status === 0) {
        showProblem(`Not recorded yet: the server did not answer (${error.message}). Submit again to retry safely.`);
      } else {
        showProblem(`Not recorded: ${error.message}`);
        form.querySelector("#record-problem").focus();
      }
    } finally {
      form.removeAttribute("aria-busy");
      const again = form.querySelector("button[type=submit]");
      if (again) again.disabled = false;
    }
  }

  form.addEventListener("submit", submit);
  return {
    render,
    choose(type) {
      render(type);
      const first = form.querySelector("fieldset input, fieldset select, fieldset textarea");
      (first || form.elements.type).focus();
    },
  };
}
