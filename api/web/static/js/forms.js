// The deal page's forms, generated from the API's request bodies (schema.js): recording an
// event, editing the deal's details (a DetailsChanged with only what changed), and taking an
// event back (an EventRetracted, with a reason). Each POSTs to
// /v1/opportunities/{id}/events with If-Match and an Idempotency-Key; a 422's errors are
// shown next to their fields, a 409 or 412 above the button, in the pages' words.

import { ApiError, sender } from "./api.js";
import { clearErrors, fieldBlock, fieldError, problemLine, readField, showFieldErrors, showProblem } from "./fields.js";
import { h, plainWords, replace, words } from "./ui.js";

/** Corrections with forms of their own (the edit-details form and "take back"). */
export const OWN_FORMS = new Set(["DetailsChanged", "EventRetracted"]);
const FOLLOW_UPS = new Set(["InteractionRescheduled", "InteractionCancelled", "InteractionCompleted"]);
// The lifecycle (domain/lifecycle.py): what a paused or a closed deal still admits.
const WHILE_PAUSED = new Set(["Resumed", "ClosedWon", "ClosedLost", "InteractionPlanned", "InteractionRescheduled",
  "InteractionCancelled", "DetailsChanged", "EventRetracted"]);
const WHILE_CLOSED = new Set(["Reopened", "EventRetracted"]);
const CLOSED = new Set(["won", "lost"]);

export const NEXT_WIN_TYPES = {
  meeting: "MeetingGained",
  customer_data: "CustomerDataGathered",
  decision_makers: "StakeholderBoughtIn",
  demo: "DemoScheduled",
  verbal_commitment: "VerbalCommitment",
};

/** The event types the recording form offers a deal in `state`, in the API's order. */
export function allowedTypes(forms, state) {
  const closed = CLOSED.has(state.status);
  return Object.keys(forms).filter((type) => {
    if (type === "OpportunityOpened" || OWN_FORMS.has(type)) return false;
    if (closed) return WHILE_CLOSED.has(type);
    if (state.status === "paused" && !WHILE_PAUSED.has(type)) return false;
    if (type === "Paused" && state.status !== "open") return false;
    if (type === "Resumed" && state.status !== "paused") return false;
    if (type === "Reopened") return false;
    return !FOLLOW_UPS.has(type) || state.open_interactions.length > 0;
  });
}

function buttonText(type) {
  return type === "Reopened" ? "Reopen the deal" : `Record ${words(type).toLowerCase()}`;
}

/** The answer to a failed POST, said where it belongs. */
function showFailure(form, error, { describeInteraction, verb = "Not recorded" } = {}) {
  if (!(error instanceof ApiError)) throw error;
  if (error.status === 422 && error.fieldErrors.length) {
    showFieldErrors(form, error.fieldErrors.map((e) => ({ ...e, message: plainWords(e.message, describeInteraction) })), { verb });
  } else if (error.status === 412) {
    showProblem(form, `${verb}: someone recorded on this deal since the page was loaded. Reload the page to see the change, then try again.`);
  } else if (error.status === 0) {
    showProblem(form, `${verb} yet: the server did not answer (${error.message}). Submit again to retry safely.`);
  } else {
    showProblem(form, `${verb}: ${plainWords(error.message, describeInteraction)}`);
  }
}

async function submitting(form, work) {
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    await work();
  } finally {
    form.removeAttribute("aria-busy");
    const again = form.querySelector("button[type=submit]");
    if (again) again.disabled = false;
  }
}

function bodyOf(form, fields, type) {
  const body = { type };
  for (const field of fields) {
    const value = readField(form, field);
    if (value !== undefined) body[field.name] = value;
  }
  return body;
}

/**
 * The recording form of one deal. `forms` are schema.js's; `getState()` the state shown;
 * `lists()` suggestions per field name; `onRecorded(state, type)` runs after a 201.
 * Returns {render, choose(type, values)}.
 */
export function recordingForm(form, { opportunityId, forms, getState, lists, describeInteraction, onRecorded }) {
  const send = sender();
  let preset = {};

  function render(chosen) {
    const state = getState();
    const types = allowedTypes(forms, state);
    if (!types.length) {
      replace(form, h("p", { class: "empty" }, `This deal is ${state.status}: nothing more can be recorded on it.`));
      return;
    }
    const type = types.includes(chosen) ? chosen : types.includes(form.elements.type?.value) ? form.elements.type.value : types[0];
    const spec = forms[type];
    const typeSelect = h("select", { id: "event-type", name: "type", "aria-describedby": "event-type-help event-type-error" },
      types.map((t) => h("option", { value: t, selected: t === type }, words(t))));
    typeSelect.addEventListener("change", () => {
      preset = {};
      render(typeSelect.value);
      form.elements.type.focus();
    });
    replace(
      form,
      h("div", { class: "field" }, h("label", { for: "event-type" }, "Event"), typeSelect,
        h("p", { id: "event-type-help", class: "help" }, spec.description),
        h("p", { id: "event-type-error", class: "field-error" })),
      h("fieldset", {}, h("legend", {}, words(type)),
        spec.fields.map((field) => fieldBlock(field, {
          prefix: "event", value: preset[field.name], interactions: state.open_interactions, lists: lists(),
        }))),
      problemLine("record-problem"),
      h("div", { class: "actions" }, h("button", { type: "submit" }, buttonText(type))),
    );
    form.dataset.type = type;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const state = getState();
    const type = form.elements.type.value;
    const body = bodyOf(form, forms[type].fields, type);
    clearErrors(form);
    await submitting(form, async () => {
      try {
        const { data } = await send(`/v1/opportunities/${opportunityId}/events`, body, { "If-Match": `"${state.version}"` });
        preset = {};
        await onRecorded(data, type);
        render(type);
      } catch (error) {
        showFailure(form, error, { describeInteraction });
      }
    });
  });

  return {
    render,
    /** Show the form for `type` with some values chosen already, and focus its first field. */
    choose(type, values = {}) {
      preset = values;
      render(type);
      const first = form.querySelector("fieldset input, fieldset select, fieldset textarea");
      (first || form.elements.type).focus();
    },
  };
}

function sameValue(name, before, after) {
  if (Array.isArray(before) || Array.isArray(after)) {
    const key = (list) => (list || []).map((v) => v.trim().replace(/\s+/g, " ").toLowerCase()).join("\n");
    return key(before) === key(after);
  }
  if (typeof after === "string" && typeof before === "string") return before.trim() === after.trim();
  return before === after;
}

/**
 * Edit the deal's details: the DetailsChanged fields filled with the current values; only
 * what changed is sent, and nothing at all when nothing changed. Returns {render}.
 */
export function detailsForm(form, { opportunityId, forms, getState, lists, onRecorded, onCancel }) {
  const send = sender();
  const spec = forms.DetailsChanged;
  const details = spec.fields.filter((f) => f.name !== "occurred_at" && f.name !== "note");

  function render() {
    const state = getState();
    replace(
      form,
      h("p", { class: "help" }, "Change what needs changing: only the fields you change are recorded, in one event."),
      spec.fields.map((field) => fieldBlock(field, { prefix: "details", value: details.includes(field) ? state[field.name] : undefined, lists: lists() })),
      problemLine("details-problem"),
      h("div", { class: "actions" },
        h("button", { type: "submit" }, "Save the changes"),
        h("button", { type: "button", class: "secondary", onclick: onCancel }, "Cancel")),
    );
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const state = getState();
    clearErrors(form);
    const body = { type: "DetailsChanged" };
    let emptied = false;
    for (const field of details) {
      const value = readField(form, field);
      if (value === undefined) {
        if (state[field.name] !== null && state[field.name] !== undefined && !(Array.isArray(state[field.name]) && !state[field.name].length)) {
          fieldError(form, field.name, "cannot be emptied here: give a new value, or put the old one back");
          emptied = true;
        }
      } else if (!sameValue(field.name, state[field.name], value)) {
        body[field.name] = value;
      }
    }
    if (emptied) {
      showProblem(form, "Not saved: a detail cannot be emptied.", { focus: false });
      form.querySelector("[aria-invalid=true]").focus();
      return;
    }
    if (Object.keys(body).length === 1) {
      showProblem(form, "Nothing changed: edit a field first. Nothing was recorded.");
      return;
    }
    for (const field of spec.fields.filter((f) => !details.includes(f))) {
      const value = readField(form, field);
      if (value !== undefined) body[field.name] = value;
    }
    await submitting(form, async () => {
      try {
        const { data } = await send(`/v1/opportunities/${opportunityId}/events`, body, { "If-Match": `"${state.version}"` });
        const changed = Object.keys(body).filter((name) => details.some((f) => f.name === name));
        await onRecorded(data, "DetailsChanged", changed);
      } catch (error) {
        showFailure(form, error, { verb: "Not saved" });
      }
    });
  });

  return { render };
}

/**
 * "Take back" one event: a small form asking why, sending an EventRetracted of its version.
 * `name` says which event in prose. Returns the form element.
 */
export function retractForm({ opportunityId, forms, getState, version, name, describeInteraction, onRecorded, onCancel }) {
  const send = sender();
  const spec = forms.EventRetracted;
  const prefix = `retract-${version}`;
  const shown = spec.fields.filter((f) => f.name !== "occurred_at"); // a take-back happens now
  const form = h("form", { class: "retract-form", novalidate: true, "aria-label": `Take back ${name}` },
    h("p", { class: "help" }, `Taking back ${name}: every number is computed again as if it had never been recorded. The timeline keeps it, struck through.`),
    shown.map((field) => field.name === "version"
      ? h("input", { type: "hidden", name: "version", value: version })
      : fieldBlock(field, { prefix })),
    problemLine(`${prefix}-problem`),
    h("div", { class: "actions" },
      h("button", { type: "submit" }, "Take it back"),
      h("button", { type: "button", class: "secondary", onclick: onCancel }, "Keep it")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = { type: "EventRetracted", version };
    for (const field of shown.filter((f) => f.name !== "version")) {
      const value = readField(form, field);
      if (value !== undefined) body[field.name] = value;
    }
    await submitting(form, async () => {
      try {
        const { data } = await send(`/v1/opportunities/${opportunityId}/events`, body, { "If-Match": `"${getState().version}"` });
        await onRecorded(data, "EventRetracted", version);
      } catch (error) {
        showFailure(form, error, { describeInteraction, verb: "Not taken back" });
      }
    });
  });
  return form;
}

/**
 * The new-deal form on the board: the opening's fields (not its external id, which
 * integrations set), the owner filled with the signed-in name. `onOpened(state)` after a 201.
 */
export function openingForm(form, { forms, owner, lists, onOpened }) {
  const send = sender();
  const fields = forms.OpportunityOpened.fields.filter((f) => f.name !== "external_id");
  replace(
    form,
    fields.map((field) => fieldBlock(field, { prefix: "deal", value: field.name === "owner" ? owner : undefined, lists })),
    problemLine("deal-problem"),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Open the deal")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = {};
    for (const field of fields) {
      const value = readField(form, field);
      if (value !== undefined) body[field.name] = value;
    }
    await submitting(form, async () => {
      try {
        const { data } = await send("/v1/opportunities", body);
        await onOpened(data);
      } catch (error) {
        showFailure(form, error, { verb: "Not opened" });
      }
    });
  });
}
