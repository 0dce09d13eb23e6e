// The checks the server makes (server/forms/schema.py), made on the phone first so a volunteer
// sees a problem next to the field, offline. Field checks follow each field's kind in the
// /forms document; relevance and cross-field rules are declared there as data and evaluated by
// logic.js, as the server evaluates them. Pure: messages are i18n keys with parameters, or the
// declaration's own.
import { holds, isRelevant } from "./logic.js";

const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const MONTH = /^[0-9]{4}-[0-9]{2}$/;
const YEAR = /^[0-9]{4}$/;
const TIME = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const PERSONAL_ID = /^[0-9]{12}$/;
const MOBILE = /^0[35789][0-9]{8}$/;

// Today in Vietnam (UTC+7), as the server counts it: 06:30 local is not "in the future".
export function todayInVietnam(now = new Date()) {
  return new Date(now.getTime() + 7 * 3600 * 1000).toISOString().slice(0, 10);
}

export function normaliseMobile(text) {
  let digits = String(text).replace(/[\s.\-()]/g, "");
  if (digits.startsWith("+84")) digits = `0${digits.slice(3)}`;
  else if (digits.startsWith("84") && digits.length === 11) digits = `0${digits.slice(2)}`;
  return MOBILE.test(digits) ? digits : null;
}

function realDate(text) {
  if (!DATE.test(text)) return false;
  const [y, m, d] = text.split("-").map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

function msg(key, params = {}) {
  return { key, params };
}

// A personal id's own form: 12 digits, a province code that exists. How its digits match the
// holder's birth year and gender are declared rules of each type (server/forms/logic.py).
export function personalIdProblems(id, provinceCodes) {
  if (!PERSONAL_ID.test(id)) return [msg("v.pid_format")];
  return provinceCodes.includes(id.slice(0, 3)) ? [] : [msg("v.pid_province", { code: id.slice(0, 3) })];
}

function notFuture(field, day, today) {
  return field.not_future && day > today ? [msg("v.future")] : [];
}

function checkDate(field, value, today) {
  if (typeof value !== "string" || !DATE.test(value)) return [msg("v.date_format")];
  if (!realDate(value)) return [msg("v.date_missing")];
  if (Number(value.slice(0, 4)) < 1880) return [msg("v.date_too_old")];
  return notFuture(field, value, today);
}

function isInt(value) {
  return Number.isInteger(value);
}

// One field's problems; `value` is what the form collected (absent: undefined).
export function fieldProblems(field, value, context) {
  const { provinceCodes, today } = context;
  if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) {
    return field.required ? [msg(field.kind === "multi_choice" ? "v.choose_one" : "v.required")] : [];
  }
  switch (field.kind) {
    case "text":
    case "long_text":
    case "url": {
      if (typeof value !== "string") return [msg("v.text")];
      if (field.required && !value.trim()) return [msg("v.required")];
      const limit = field.max_length || 500;
      if (value.length > limit) return [msg("v.too_long", { max: limit })];
      if (field.kind === "url") {
        let url = null;
        try { url = new URL(value); } catch { /* not a URL */ }
        if (!url || !["http:", "https:"].includes(url.protocol) || !url.host || /\s/.test(value)) return [msg("v.url")];
      }
      return [];
    }
    case "personal_id":
      return personalIdProblems(String(value), provinceCodes);
    case "date":
      return checkDate(field, value, today);
    case "partial_date":
      if (typeof value === "string" && MONTH.test(value)) {
        const month = Number(value.slice(5, 7));
        if (month < 1 || month > 12 || Number(value.slice(0, 4)) < 1880) return [msg("v.month_missing")];
        return notFuture(field, `${value}-01`, today);
      }
      // Only the year, when that is all the family knows.
      if (typeof value === "string" && YEAR.test(value)) {
        return Number(value) < 1880 ? [msg("v.date_too_old")] : notFuture(field, `${value}-01-01`, today);
      }
      return typeof value === "string" && DATE.test(value) ? checkDate(field, value, today) : [msg("v.partial_date_format")];
    case "time":
      return typeof value === "string" && TIME.test(value) ? [] : [msg("v.time_format")];
    case "year": {
      const lowest = field.min || 1880;
      const highest = Number(today.slice(0, 4));
      if (!isInt(value)) return [msg("v.year_int")];
      return value < lowest || value > highest ? [msg("v.year_range", { min: lowest, max: highest })] : [];
    }
    case "integer":
      if (!isInt(value)) return [msg("v.integer")];
      if (field.min != null && value < field.min) return [msg("v.min", { min: field.min })];
      if (field.max != null && value > field.max) return [msg("v.max", { max: field.max })];
      return [];
    case "choice":
      return field.choices.some((c) => c.value === value) ? [] : [msg("v.choice")];
    case "multi_choice":
      return value.every((v) => field.choices.some((c) => c.value === v)) ? [] : [msg("v.choice")];
    case "boolean":
      return typeof value === "boolean" ? [] : [msg("v.boolean")];
    case "phone":
      return typeof value === "string" && normaliseMobile(value) ? [] : [msg("v.phone")];
    default:
      return [];
  }
}

function isEmpty(value) {
  return value === undefined || value === null || value === "";
}

// Whether an edit from `before` to `data` changes any of these fields (an empty value is no value).
function writesAny(names, data, before) {
  const given = (value) => JSON.stringify(isEmpty(value) ? null : value);
  return names.some((name) => given(data[name]) !== given(before[name]));
}

// What the record's workflow state needs and the data lacks (the type's `workflow.needs`).
function unmetNeeds(recordType, data) {
  const workflow = recordType.workflow;
  if (!workflow) return {};
  const state = data[workflow.field];
  const choice = recordType.fields.find((f) => f.name === workflow.field).choices.find((c) => c.value === state);
  const errors = {};
  for (const name of (workflow.needs || {})[state] || []) {
    if (isEmpty(data[name])) errors[name] = [msg("v.state_needs", { state: choice ? choice.label : state })];
  }
  return errors;
}

// {field: [problem]} for one record's data against its type, in the server's order
// (server/forms/schema.py): every field by its kind, a field with a relevance condition being
// optional there; then, once all pass, what the declaration says beyond single fields, over the
// data without the fields not relevant to it: a relevant required field left empty, what the
// workflow's state needs, and the broken rules. A problem is an i18n key with parameters, or a
// declared message ({text: {vi, en}}). `before` is the record's data before an edit (null for a
// new record): the edit is checked only against the rules that read a field it changes, as the
// server checks it, so a record kept from before a rule can be edited elsewhere.
export function validateRecord(recordType, data, context, before = null) {
  const errors = {};
  for (const field of recordType.fields) {
    const problems = fieldProblems(field.relevant ? { ...field, required: false } : field, data[field.name], context);
    if (problems.length) errors[field.name] = problems;
  }
  if (Object.keys(errors).length) return errors;
  const irrelevant = new Set(recordType.fields.filter((f) => !isRelevant(f, data, context.today)).map((f) => f.name));
  const kept = Object.fromEntries(Object.entries(data).filter(([name]) => !irrelevant.has(name)));
  for (const field of recordType.fields) {
    if (field.relevant && field.required && !irrelevant.has(field.name) && isEmpty(kept[field.name])) {
      errors[field.name] = [msg("v.required")];
    }
  }
  Object.assign(errors, unmetNeeds(recordType, kept));
  for (const rule of recordType.rules || []) {
    // A cached /forms document from before `reads` checks every rule, as before.
    if (before && rule.reads && !writesAny(rule.reads, kept, before)) continue;
    if (!holds(rule.broken_when, kept, context.today)) continue;
    for (const name of rule.fields) errors[name] = [...(errors[name] || []), { text: rule.message }];
  }
  return errors;
}
