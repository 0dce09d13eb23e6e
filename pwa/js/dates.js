// Dates as Vietnamese write them, whatever the browser's language: shown and typed as
// dd/mm/yyyy (mm/yyyy for a month, yyyy for a year alone), kept and sent as ISO (YYYY-MM-DD,
// YYYY-MM, YYYY). A browser's own date input would follow its locale (mm/dd/yyyy on a phone set
// to English), so every date input of the app is a text input made here.
import { h } from "./dom.js";

// Per precision: what the user types, its parts' lengths, and how its text becomes ISO.
const PRECISIONS = {
  day: { placeholder: "dd/mm/yyyy", parts: [2, 2, 4], shape: /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/ },
  month: { placeholder: "mm/yyyy", parts: [2, 4], shape: /^(\d{1,2})[/.-](\d{4})$/ },
  year: { placeholder: "yyyy", parts: [4], shape: /^(\d{4})$/ },
};
const ISO = /^\d{4}(-\d{2}(-\d{2})?)?$/;
const MOMENT = /^\d{4}-\d{2}-\d{2}T/;

const two = (text) => String(text).padStart(2, "0");

// The ISO form of what was typed at a precision ("1/2/2026" is 2026-02-01), by its shape alone:
// "31/02/2026" gives 2026-02-31, which the rules (rules.js, as the server) call a date that does
// not exist. null when the text is not of that shape.
export function parseDate(text, precision = "day") {
  const match = PRECISIONS[precision].shape.exec(String(text).trim());
  if (!match) return null;
  const [, first, second, third] = match;
  if (precision === "day") return `${third}-${two(second)}-${two(first)}`;
  return precision === "month" ? `${second}-${two(first)}` : first;
}

// dd/mm/yyyy; a month as mm/yyyy, a year alone as itself; anything else (text that never made a
// date) as it is. A moment (when a record was made) falls on the day of the phone's clock, as
// formatDateTime shows it, not on the day in UTC.
export function formatDate(iso) {
  if (!iso) return "";
  if (MOMENT.test(iso)) return dayOf(new Date(iso));
  const [y, m, d] = String(iso).split("-");
  return d ? `${d}/${m}/${y}` : m ? `${m}/${y}` : y;
}

export function formatDateTime(iso) {
  const date = new Date(iso);
  return `${two(date.getHours())}:${two(date.getMinutes())} ${dayOf(date)}`;
}

function dayOf(date) {
  return `${two(date.getDate())}/${two(date.getMonth() + 1)}/${date.getFullYear()}`;
}

// The precision an ISO value is written at; `fallback` for an empty or unreadable one.
export function precisionOf(iso, fallback = "day") {
  if (typeof iso !== "string" || !ISO.test(iso)) return fallback;
  return iso.length === 10 ? "day" : iso.length === 7 ? "month" : "year";
}

// The text as the user goes on typing it: a slash after the day and after the month, so the
// digits alone make a date (a phone's numeric keypad has no slash); a dot or dash typed is a
// slash, a second slash or a part too long is moved on.
export function maskDate(text, precision = "day") {
  const sizes = PRECISIONS[precision].parts;
  const parts = [""];
  for (const char of text) {
    const at = parts.length - 1;
    if (char >= "0" && char <= "9") {
      if (parts[at].length === sizes[at]) {
        if (at + 1 === sizes.length) continue;
        parts.push("");
      }
      parts[parts.length - 1] += char;
    } else if ("/.-".includes(char) && parts[at] && at + 1 < sizes.length) {
      parts.push("");
    }
  }
  const last = parts.length - 1;
  return parts.join("/") + (parts[last].length === sizes[last] && last + 1 < sizes.length ? "/" : "");
}

// Makes `input` take a date at `precision`: its placeholder, length and keypad.
export function setPrecision(input, precision) {
  const { placeholder, parts } = PRECISIONS[precision];
  Object.assign(input.dataset, { precision });
  input.placeholder = placeholder;
  input.maxLength = parts.reduce((sum, n) => sum + n + 1, -1);
}

// A text input for a date typed as dd/mm/yyyy (or mm/yyyy, yyyy), starting from the ISO `value`.
// The slashes go in only while typing at the end: deleting or editing in the middle is left alone.
export function dateInput(attrs, precision = "day", value = "") {
  const input = h("input", { ...attrs, type: "text", inputmode: "numeric", autocomplete: "off",
    value: ISO.test(value || "") ? formatDate(value) : value || "" });
  setPrecision(input, precision);
  input.addEventListener("input", (event) => {
    if (!(event.inputType || "").startsWith("insert") || input.selectionStart !== input.value.length) return;
    const masked = maskDate(input.value, input.dataset.precision);
    if (masked !== input.value) input.value = masked;
  });
  return input;
}
