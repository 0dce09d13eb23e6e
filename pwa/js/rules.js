// The checks the server makes (server/forms/schema.py and the record type modules), made
// on the phone first so a volunteer sees a problem next to the field, offline. Field checks
// follow each field's kind in the /forms document; cross-field rules are named there and
// implemented here under the same names. Pure: messages are i18n keys with parameters.

const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const MONTH = /^[0-9]{4}-[0-9]{2}$/;
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

export function personalIdProblems(id, provinceCodes, birthYear, gender) {
  if (!PERSONAL_ID.test(id)) return [msg("v.pid_format")];
  const problems = [];
  if (!provinceCodes.includes(id.slice(0, 3))) problems.push(msg("v.pid_province", { code: id.slice(0, 3) }));
  if (birthYear != null && birthYear >= 1900) {
    const century = Math.floor((birthYear - 1900) / 100);
    const digit = Number(id[3]);
    if (Math.floor(digit / 2) !== century) problems.push(msg("v.pid_century"));
    else if (gender != null && digit % 2 !== (gender === "nữ" ? 1 : 0)) problems.push(msg("v.pid_gender"));
    if (id.slice(4, 6) !== String(birthYear % 100).padStart(2, "0")) problems.push(msg("v.pid_year"));
  }
  return problems;
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

function ageOn(birth, on) {
  const [by, bm, bd] = birth.split("-").map(Number);
  const [oy, om, od] = on.split("-").map(Number);
  return oy - by - (om < bm || (om === bm && od < bd) ? 1 : 0);
}

// The cross-field rules, by the names the /forms document gives them.
export const CROSS_FIELD_RULES = {
  personal_id_matches_birth_and_gender(data, context) {
    const problems = personalIdProblems(data.personal_id, context.provinceCodes,
      Number(data.date_of_birth.slice(0, 4)), data.gender);
    return problems.length ? { personal_id: problems } : {};
  },
  level_two_needs_age_fourteen(data, context) {
    if (data.level !== 2) return {};
    return ageOn(data.date_of_birth, data.activity_date || context.today) < 14 ? { level: [msg("v.level_two_age")] } : {};
  },
  failure_reason_when_not_activated(data) {
    return ["installed", "registered"].includes(data.step_reached) && !data.failure_reason
      ? { failure_reason: [msg("v.failure_reason")] } : {};
  },
  activity_not_before_birth(data) {
    return data.activity_date && data.activity_date < data.date_of_birth
      ? { activity_date: [msg("v.activity_before_birth")] } : {};
  },
  personal_id_matches_birth_year(data, context) {
    if (!data.deceased_personal_id) return {};
    const problems = personalIdProblems(data.deceased_personal_id, context.provinceCodes, data.birth_year, data.gender);
    return problems.length ? { deceased_personal_id: problems } : {};
  },
  death_not_before_birth(data) {
    return Number(data.date_of_death.slice(0, 4)) < data.birth_year ? { date_of_death: [msg("v.death_before_birth")] } : {};
  },
  certificate_not_before_death(data) {
    return data.certificate_date && data.certificate_date < data.date_of_death
      ? { certificate_date: [msg("v.certificate_before_death")] } : {};
  },
};

// What the record's workflow state needs and the data lacks (the type's `workflow.needs`).
function unmetNeeds(recordType, data) {
  const workflow = recordType.workflow;
  if (!workflow) return {};
  const state = data[workflow.field];
  const choice = recordType.fields.find((f) => f.name === workflow.field).choices.find((c) => c.value === state);
  const errors = {};
  for (const name of (workflow.needs || {})[state] || []) {
    if (data[name] === undefined || data[name] === null || data[name] === "") {
      errors[name] = [msg("v.state_needs", { state: choice ? choice.label : state })];
    }
  }
  return errors;
}

// {field: [problem]} for one record's data against its type, as the server would judge it:
// field checks first, cross-field rules only when every field passed.
export function validateRecord(recordType, data, context) {
  const errors = {};
  for (const field of recordType.fields) {
    const problems = fieldProblems(field, data[field.name], context);
    if (problems.length) errors[field.name] = problems;
  }
  if (Object.keys(errors).length) return errors;
  Object.assign(errors, unmetNeeds(recordType, data));
  for (const name of recordType.rules || []) {
    const rule = CROSS_FIELD_RULES[name];
    if (!rule) continue;  // a rule this version of the app does not know: the server still checks it
    for (const [field, problems] of Object.entries(rule(data, context))) {
      errors[field] = [...(errors[field] || []), ...problems];
    }
  }
  return errors;
}
