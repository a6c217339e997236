// One field of a generated form (see schema.js): its labelled control, help and error slot;
// reading its value as the API takes it; and a 422's errors put next to their fields. Every
// form on a page has its own id prefix, so several can share a page.

import { h, instantFromInput, localInputValue, words } from "./ui.js";

function controlId(prefix, name) {
  return `${prefix}-${name}`;
}

function interactionLabel(i) {
  const when = i.planned_for ? `, planned for ${new Date(i.planned_for).toLocaleString()}` : "";
  const objective = i.commitment_objective ? ` — objective: ${i.commitment_objective}` : "";
  return `${i.contact} (${i.department}) by ${words(i.channel).toLowerCase()}: ${i.purpose}${when}${objective}`;
}

/** The value a control starts with: `value` given as the API sends it. */
function initial(field, value) {
  if (value === undefined || value === null) return "";
  if (field.kind === "datetime") return localInputValue(new Date(value));
  if (field.kind === "list") return value.join(", ");
  return String(value);
}

function control(field, id, { value, interactions = [], lists = {} }) {
  const described = [field.help ? `${id}-help` : null, `${id}-error`].filter(Boolean).join(" ");
  const common = { id, name: field.name, "aria-describedby": described, required: field.required || null };
  const start = initial(field, value);
  switch (field.kind) {
    case "textarea": {
      const area = h("textarea", { ...common, rows: 3, maxlength: field.maxLength });
      area.value = start;
      return area;
    }
    case "select": {
      const blank = field.required ? null : h("option", { value: "" }, "—");
      return h("select", common, blank, field.options.map((option) =>
        h("option", { value: option, selected: option === start || null }, words(option))));
    }
    case "interaction":
      return h("select", common, interactions.map((i) =>
        h("option", { value: i.interaction_id, selected: i.interaction_id === start || null }, interactionLabel(i))));
    case "checkbox":
      return h("input", { ...common, type: "checkbox", value: "true", checked: value === true || null });
    case "number":
    case "integer":
      return h("input", {
        ...common, type: "number", value: start, min: field.minimum, step: field.kind === "integer" ? 1 : "any",
        inputmode: field.kind === "integer" ? "numeric" : "decimal",
      });
    case "datetime":
      return h("input", { ...common, type: "datetime-local", step: 1, value: start });
    case "date":
      return h("input", { ...common, type: "date", value: start });
    default: {
      const list = lists[field.name] ? `${id}-choices` : null;
      const input = h("input", {
        ...common, type: "text", list, autocomplete: "off", value: start,
        maxlength: field.kind === "text" ? field.maxLength : null,
        class: field.minLength === 3 && field.maxLength === 3 ? "short" : null,
      });
      return list ? [input, h("datalist", { id: list }, lists[field.name].map((option) => h("option", { value: option })))] : input;
    }
  }
}

/**
 * A field's block: label, control, help and error slot. options: {prefix, value,
 * interactions (for an interaction_id), lists: {name: [suggestions]}}.
 */
export function fieldBlock(field, { prefix, ...options }) {
  const id = controlId(prefix, field.name);
  const optional = field.required || field.kind === "checkbox" ? "" : h("span", { class: "optional" }, " (optional)");
  const label = h("label", { for: id }, field.label, optional);
  const input = control(field, id, options);
  const help = field.help ? h("p", { id: `${id}-help`, class: "help" }, field.help) : null;
  const error = h("p", { id: `${id}-error`, class: "field-error" });
  const checkbox = field.kind === "checkbox";
  return h("div", { class: `field${checkbox ? " checkbox" : ""}`, "data-field": field.name },
    checkbox ? [input, label] : [label, input], help, error);
}

/** A field's value as the API takes it; undefined when left empty (and not required). */
export function readField(form, field) {
  const element = form.elements[field.name];
  if (!element) return undefined;
  if (field.kind === "checkbox") return element.checked;
  const raw = element.value;
  if (field.kind === "datetime") return raw ? instantFromInput(raw) ?? raw : undefined;
  if (field.kind === "number" || field.kind === "integer") {
    if (raw === "") return undefined;
    const number = Number(raw);
    return Number.isFinite(number) ? number : raw;
  }
  if (field.kind === "list") {
    const names = raw.split(",").map((name) => name.trim()).filter(Boolean);
    return names.length ? names : undefined;
  }
  if (raw.trim() === "" && !field.required) return undefined;
  if (field.minLength === 3 && field.maxLength === 3) return raw.trim().toUpperCase();
  return raw;
}

/** Empty every error slot and the form's problem line. */
export function clearErrors(form) {
  for (const error of form.querySelectorAll(".field-error")) error.textContent = "";
  for (const invalid of form.querySelectorAll("[aria-invalid]")) invalid.removeAttribute("aria-invalid");
  const problem = form.querySelector(".form-problem");
  if (problem) problem.textContent = "";
}

/** Say what went wrong above the form's button (and move focus there). */
export function showProblem(form, message, { focus = true } = {}) {
  const problem = form.querySelector(".form-problem");
  problem.textContent = message;
  if (focus) problem.focus();
}

/** Put one message next to a field, marking it invalid; false when the form has no such field. */
export function fieldError(form, name, message) {
  const input = form.elements[name];
  const element = input instanceof RadioNodeList ? input[0] : input;
  const slot = element ? form.querySelector(`#${CSS.escape(element.id)}-error`) : null;
  if (!slot) return false;
  slot.textContent = slot.textContent ? `${slot.textContent}; ${message}` : message;
  element.setAttribute("aria-invalid", "true");
  return true;
}

/** A 422's errors next to their fields (the rest in the problem line); focus on the first. */
export function showFieldErrors(form, errors, { verb = "Not recorded" } = {}) {
  const elsewhere = [];
  for (const { field, message } of errors) {
    if (!fieldError(form, field, message)) elsewhere.push(`${words(field)}: ${message}`);
  }
  const count = errors.length;
  showProblem(form, `${verb}: ${count} problem${count === 1 ? "" : "s"} to fix.${elsewhere.length ? ` ${elsewhere.join(" ")}` : ""}`, { focus: false });
  const first = form.querySelector("[aria-invalid=true]");
  (first || form.querySelector(".form-problem")).focus();
}

/** The line a form's problems are said in (focusable, announced). */
export function problemLine(id) {
  return h("p", { id, class: "form-problem", role: "alert", tabindex: "-1" });
}
