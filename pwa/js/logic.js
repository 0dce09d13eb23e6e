// The one evaluator of what record types declare as data in the /forms document: a field's
// relevance condition and the cross-field rules, in JSON Logic. json-logic-js (pwa/vendor/, MIT)
// runs them here; the server runs the very same expressions with a port that follows its
// semantics (server/forms/logic.py), and tests/e2e/test_logic_parity.py holds the two to the
// same answers. Besides the record's fields, an expression may read "$today", the date in Vietnam.
const { jsonLogic } = globalThis;

export const TODAY = "$today";

export function holds(expression, data, today) {
  return jsonLogic.truthy(jsonLogic.apply(expression, { ...data, [TODAY]: today }));
}

// Whether a field is asked for, given the rest of the record: always, unless its declaration
// gives a condition.
export function isRelevant(field, data, today) {
  return field.relevant === undefined || holds(field.relevant, data, today);
}
