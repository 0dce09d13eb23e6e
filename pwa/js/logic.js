// The one evaluator of what record types declare as data in the /forms document: a field's
// relevance condition and the cross-field rules, in JSON Logic. json-logic-js (pwa/vendor/, MIT)
// runs them here; the server runs the very same expressions with a port that follows its
// semantics (server/forms/logic.py), and tests/e2e/test_logic_parity.py holds the two to the
// same answers. Besides the record's fields, an expression may read "$today", the date in Vietnam.
const { jsonLogic } = globalThis;

export const TODAY = "$today";

const PERSONAL_ID = /^[0-9]{12}$/;

// The rule language's one operation of its own, as server/forms/logic.py has it: where a 12-digit
// personal id disagrees with its holder's birth year and gender ("century", "gender", "year"):
// the 4th digit is the century (0-1: 1900s, 2-3: 2000s, ...) and within it the gender (even: nam,
// odd: nữ), checked only when the century matches; the 5th and 6th are the year's last two
// digits. Nothing without an id of 12 digits and a whole birth year from 1900 to 9999.
function personalIdMismatches(personalId, birthYear, gender) {
  if (!Number.isInteger(birthYear) || birthYear < 1900 || birthYear > 9999) return [];
  if (typeof personalId !== "string" || !PERSONAL_ID.test(personalId)) return [];
  const digit = Number(personalId[3]);
  const mismatches = [];
  if (Math.floor(digit / 2) !== Math.floor((birthYear - 1900) / 100)) mismatches.push("century");
  else if ((gender === "nam" || gender === "nữ") && digit % 2 !== (gender === "nữ" ? 1 : 0)) mismatches.push("gender");
  if (Number(personalId.slice(4, 6)) !== birthYear % 100) mismatches.push("year");
  return mismatches;
}

jsonLogic.add_operation("personal_id_mismatches", personalIdMismatches);

export function holds(expression, data, today) {
  return jsonLogic.truthy(jsonLogic.apply(expression, { ...data, [TODAY]: today }));
}

// Whether a field is asked for, given the rest of the record: always, unless its declaration
// gives a condition.
export function isRelevant(field, data, today) {
  return field.relevant === undefined || holds(field.relevant, data, today);
}
