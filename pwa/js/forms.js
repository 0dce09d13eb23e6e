// Forms rendered from the /forms document (cached for offline use): one input per field,
// suited to its kind, with the problem shown next to the field.
import { h } from "./dom.js";
import { t, label } from "./i18n.js";
import { call } from "./api.js";
import { getMeta, setMeta } from "./session.js";
import { isRelevant } from "./logic.js";
import { fieldProblems, normaliseMobile, todayInVietnam, validateRecord } from "./rules.js";
import { dateInput, parseDate, precisionOf, setPrecision } from "./dates.js";

// A problem as the user reads it: the server's text, a declared message ({text: {vi, en}}), or
// an i18n key with its parameters.
function problemText(problem) {
  if (typeof problem === "string") return problem;
  return problem.text ? label(problem.text) : t(problem.key, labelled(problem.params));
}

// A problem's parameters as text: a {vi, en} label (a state's name, say) in the user's language.
function labelled(params = {}) {
  return Object.fromEntries(Object.entries(params).map(([name, value]) => [name, value && typeof value === "object" ? label(value) : value]));
}

export async function cachedForms() {
  return getMeta("forms");
}

// Fetches the definitions when the network allows; the cached copy serves offline.
export async function refreshForms() {
  const forms = await call("GET", "/forms");
  await setMeta("forms", forms);
  return forms;
}

// The user's role as the roles table in the /forms document declares it (server/roles.py): its
// label, which records it reads, whether it corrects others' records, and its powers. A cached
// document from before the table knows no role: nothing beyond the notebook until it refreshes.
const NO_ROLE = { label: null, reads: "own", corrects: false, powers: [] };
export function roleOf(forms, code) {
  return (forms && (forms.roles || []).find((r) => r.code === code)) || { ...NO_ROLE, code };
}

export function roleLabel(forms, code) {
  const role = roleOf(forms, code);
  return role.label ? label(role.label) : code;
}

export function recordType(forms, type) {
  return forms && forms.types.find((rt) => rt.type === type);
}

export function validationContext(forms) {
  return { provinceCodes: forms.province_codes || [], today: todayInVietnam() };
}

// `before`: the record's data an edit starts from (null for a new record).
export function validate(forms, rt, data, before = null) {
  return validateRecord(rt, data, validationContext(forms), before);
}

export function fieldsFor(rt, role) {
  return rt.fields.filter((f) => f.editable_by.includes(role));
}

// What a date input holds, as ISO when it reads as a date at the input's precision; else the text
// as typed, which the rules then refuse ("Ngày phải theo dạng ngày/tháng/năm").
function typedValue(input) {
  const text = input.value.trim();
  return parseDate(text, input.dataset.precision) ?? text;
}

// A date typed on a desk screen (a filter, a deadline, a workflow's date), checked as a form's
// field of that kind: {iso} ("" when empty), or {problem} to show beside it.
export function typedDate(input, field = { kind: "date" }) {
  if (!input.value.trim()) return { iso: "" };
  const iso = typedValue(input);
  const [problem] = fieldProblems(field, iso, { provinceCodes: [], today: todayInVietnam() });
  return problem ? { problem: problemText(problem) } : { iso };
}

const asButtons = (field) => field.choices.length <= 5;

function inputFor(field, value) {
  const id = `f-${field.name}`;
  const common = { id, name: field.name, dataset: { field: field.name }, "aria-describedby": `e-${field.name}` };
  switch (field.kind) {
    case "long_text":
      return h("textarea", { ...common, rows: 3, maxlength: field.max_length || 500 }, value ?? "");
    case "personal_id":
      return h("input", { ...common, type: "text", inputmode: "numeric", autocomplete: "off", maxlength: 12, value: value ?? "" });
    case "phone":
      return h("input", { ...common, type: "tel", inputmode: "tel", autocomplete: "off", value: value ?? "" });
    case "integer":
    case "year":
      return h("input", { ...common, type: "text", inputmode: "numeric", value: value ?? "" });
    case "date":
      return dateInput(common, "day", value);
    case "time":
      return h("input", { ...common, type: "time", value: value ?? "" });
    case "url":
      return h("input", { ...common, type: "url", inputmode: "url", value: value ?? "" });
    case "partial_date":
      return partialDateInput(field, common, value);
    case "boolean":
      // Named by the question and its "Có" both, so a screen reader reads what is being answered.
      return h("label", { class: "inline switch" },
        h("input", { ...common, type: "checkbox", checked: value === true, "aria-labelledby": `l-${field.name} ${id}-yes` }),
        h("span", { id: `${id}-yes` }, t("form.yes")));
    case "choice":
      // A few choices as big radio buttons (one tap each), more as a list.
      if (asButtons(field)) {
        return h("div", { class: "choices", role: "radiogroup", id, "aria-labelledby": `l-${field.name}` },
          field.choices.map((choice, i) => h("label", { class: "choice" },
            h("input", { type: "radio", name: field.name, value: String(i), dataset: { field: field.name },
              checked: value === choice.value }), label(choice.label))));
      }
      return h("select", common, h("option", { value: "" }, t("form.choose")),
        field.choices.map((choice, i) => h("option", { value: String(i), selected: value === choice.value }, label(choice.label))));
    case "multi_choice":
      return h("div", { class: "choices", role: "group", id, "aria-labelledby": `l-${field.name}` }, field.choices.map((choice, i) => h("label", { class: "choice" },
        h("input", { type: "checkbox", name: field.name, value: String(i), dataset: { field: field.name },
          checked: Array.isArray(value) && value.includes(choice.value) }), label(choice.label))));
    default:
      return h("input", { ...common, type: "text", maxlength: field.max_length || 500, value: value ?? "" });
  }
}

// A date of which the user may know only the month and year, or only the year: one input, and
// what is known chosen beside it (the full date, the month/year, the year alone). Choosing again
// empties the input, since a value of one precision is not one of another.
const PRECISIONS = [
  { name: "day", key: "form.full_date" },
  { name: "month", key: "form.month_only" },
  { name: "year", key: "form.year_only" },
];

function partialDateInput(field, common, value) {
  const known = precisionOf(value);
  const input = dateInput(common, known, value);
  const set = (precision) => {
    setPrecision(input, precision);
    input.value = "";
    input.dispatchEvent(new Event("input", { bubbles: true }));
  };
  const choices = PRECISIONS.map(({ name, key }) => h("label", { class: "inline", for: `${common.id}-${name}` },
    h("input", { type: "radio", name: `${field.name}-precision`, id: `${common.id}-${name}`,
      checked: name === known, onchange: () => set(name) }), t(key)));
  // What is known comes first, then the input takes that shape.
  return h("div", { class: "partial-date" }, h("div", { class: "partial-date-known", role: "radiogroup", "aria-labelledby": `l-${field.name}` }, choices), input);
}

// What one field's input holds, typed as the server expects; undefined when empty.
function readField(root, field) {
  const inputs = [...root.querySelectorAll(`[data-field="${field.name}"]`)];
  if (field.kind === "choice") {
    const chosen = inputs.find((i) => (i.type === "radio" ? i.checked : true));
    const index = chosen ? chosen.value : "";
    return index === "" ? undefined : field.choices[Number(index)].value;
  }
  if (field.kind === "multi_choice") {
    const values = inputs.filter((i) => i.checked).map((i) => field.choices[Number(i.value)].value);
    return values.length ? values : undefined;
  }
  const input = inputs[0];
  if (!input) return undefined;
  if (field.kind === "boolean") return input.checked ? true : undefined;
  const text = input.value.trim();
  if (text === "") return undefined;
  if (field.kind === "integer" || field.kind === "year") return /^-?[0-9]+$/.test(text) ? Number(text) : text;
  if (field.kind === "phone") return normaliseMobile(text) || text;
  if (input.dataset.precision) return typedValue(input);
  return text;
}

// The form of one record type: renders, reads and shows problems. `values` fills it.
export function buildForm(rt, { values = {}, role, villages, villageId, onInput }) {
  const today = todayInVietnam();
  const fields = fieldsFor(rt, role);
  const errorSlots = {};
  // A deactivated village takes no new records, but an old record keeps showing its own.
  villages = villages.filter((v) => v.active !== false || v.id === villageId);
  const villageSelect = h("select", { id: "f-village_id", name: "village_id", "aria-describedby": "e-village_id" },
    villages.length > 1 ? h("option", { value: "" }, t("form.choose")) : null,
    villages.map((v) => h("option", { value: String(v.id), selected: v.id === villageId }, v.name)));
  errorSlots.village_id = h("p", { class: "error", id: "e-village_id", "aria-live": "polite" });
  const rows = [h("div", { class: "field", dataset: { name: "village_id" } },
    h("label", { for: "f-village_id" }, t("form.village"), h("span", { class: "req" }, " *")),
    villageSelect, errorSlots.village_id)];
  for (const field of fields) {
    errorSlots[field.name] = h("p", { class: "error", id: `e-${field.name}`, "aria-live": "polite" });
    // A field of several inputs is named by its label's id (aria-labelledby); one input, a list
    // included, by <label for>.
    const grouped = field.kind === "multi_choice" || field.kind === "boolean" || (field.kind === "choice" && asButtons(field));
    rows.push(h("div", { class: "field", dataset: { name: field.name } },
      h(grouped ? "span" : "label", { class: "label", id: `l-${field.name}`, for: grouped ? undefined : `f-${field.name}` },
        label(field.label), field.required ? h("span", { class: "req" }, " *") : null),
      inputFor(field, values[field.name]),
      field.help ? h("p", { class: "help" }, label(field.help)) : null,
      errorSlots[field.name]));
  }
  // Relevance, live: a field with a condition shows only while the rest of the record meets it,
  // and a hidden field's value is neither read nor sent.
  const conditional = fields.filter((f) => f.relevant !== undefined);
  const rowOf = (field) => rows.find((row) => row.dataset.name === field.name);
  function showRelevant() {
    const data = collect(new Set());
    for (const field of conditional) rowOf(field).hidden = !isRelevant(field, data, today);
  }
  // A date is checked as soon as the user leaves it, so 31/02 or a day still to come is said at
  // once, next to it.
  const checkTypedDate = (input) => {
    const field = fields.find((f) => f.name === input.dataset.field);
    const value = readField(element, field);
    showProblems(field.name, value === undefined ? [] : fieldProblems(field, value, { provinceCodes: [], today }));
  };
  const changed = (event) => {
    showRelevant();
    if (event.type === "change" && event.target.dataset.precision) checkTypedDate(event.target);
    if (onInput) onInput(event);
  };
  const element = h("div", { class: "form-fields", oninput: changed, onchange: changed }, rows);

  function collect(hidden) {
    const data = {};
    for (const field of fields) {
      if (hidden.has(field.name)) continue;
      const value = readField(element, field);
      if (value !== undefined) data[field.name] = value;
    }
    // Fields this role may not edit keep their stored values.
    for (const field of rt.fields) {
      if (!fields.includes(field) && values[field.name] !== undefined) data[field.name] = values[field.name];
    }
    return data;
  }

  function read() {
    const hidden = new Set(conditional.filter((f) => rowOf(f).hidden).map((f) => f.name));
    const village = villageSelect.value ? Number(villageSelect.value) : null;
    return { data: collect(hidden), villageId: village };
  }
  showRelevant();

  function showProblems(name, problems) {
    errorSlots[name].textContent = problems.map(problemText).join(" ");
    errorSlots[name].closest(".field").classList.toggle("invalid", problems.length > 0);
  }

  // Shows problems, local ({key, params}) or from the server (plain text); returns the first
  // field with one, to scroll to.
  function showErrors(errors) {
    let first = null;
    for (const [name, slot] of Object.entries(errorSlots)) {
      const problems = errors[name] || [];
      showProblems(name, problems);
      if (problems.length && !first) first = slot.closest(".field");
    }
    const unknown = Object.keys(errors).filter((name) => !errorSlots[name]);
    return { first, unknown };
  }

  return { element, read, showErrors };
}
