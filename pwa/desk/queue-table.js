// The review queue at a desk: the page's records as a sortable table with the chosen record
// open beside it, and keys for a reviewer who goes through hundreds a week without the mouse.
// The record beside is review.js's screen, so its actions keep their version guard.
import { h, replace } from "../js/dom.js";
import { t, formatDate } from "../js/i18n.js";
import { NetworkError } from "../js/api.js";
import { recordTitle, stateBadge, typeShortLabel, villageName } from "../js/views/rows.js";
import { renderReview, sendReview, isStale } from "./review.js";

// The sorts GET /records does over the whole queue; any other column sorts the page shown.
export const SERVER_SORTS = ["created_at", "-created_at"];

// What the ? dialog lists: the keys, and what they do.
const KEYS = [[["j", "↓"], "keys.next"], [["k", "↑"], "keys.previous"], [["Enter"], "keys.open"], [["a"], "keys.approve"],
  [["c"], "keys.needs_changes"], [["r"], "keys.reject"], [["Ctrl+Enter"], "keys.send"], [["Esc"], "keys.leave"],
  [["x"], "keys.choose"], [["?"], "keys.help"]];

const collator = new Intl.Collator("vi", { numeric: true });

export function asView(record) {
  return { ...record, state: record.has_conflict ? "conflict" : record.review_state };
}

function columns(app, records) {
  const marks = (r) => [r.has_conflict ? h("span", { class: "badge state-conflict" }, t("state.conflict")) : null,
    r.possible_duplicate ? h("span", { class: "badge duplicate" }, t("queue.duplicate")) : null];
  return [
    { key: "created_at", value: (r) => r.created_at, cell: (r) => formatDate(r.created_at) },
    { key: "village", value: (r) => villageName(app.session, r.village_id) },
    { key: "type", value: (r) => typeShortLabel(app.forms, r.type) },
    { key: "name", value: (r) => recordTitle(app.forms, r), cell: (r, href) => h("a", { href }, recordTitle(app.forms, r)) },
    { key: "author", value: (r) => r.created_by_name || "" },
    // The review state; a conflict shows among the marks.
    { key: "state", value: (r) => t(`state.${r.review_state}`), cell: (r) => stateBadge(r.review_state) },
    { key: "marks", value: (r) => 2 * Boolean(r.has_conflict) + Boolean(r.possible_duplicate), cell: marks },
    // Records carry no photos yet: the column shows once they carry a count.
    records.some((r) => Number.isInteger(r.photo_count)) ? { key: "photos", value: (r) => r.photo_count ?? 0 } : null,
  ].filter(Boolean);
}

function compare(a, b) {
  return typeof a === "number" ? a - b : collator.compare(a, b);
}

// The keys, in a modal dialog: focus stays inside it, Escape closes it, and focus goes back
// where it was.
function keysDialog() {
  const dialog = h("dialog", { class: "keys-dialog", id: "keys-dialog", "aria-labelledby": "keys-title" },
    h("h2", { id: "keys-title" }, t("keys.title")),
    h("dl", { class: "keys" }, KEYS.map(([keys, what]) => [
      h("dt", {}, keys.map((key, i) => [i ? ` ${t("keys.or")} ` : "", h("kbd", {}, key)])), h("dd", {}, t(what))])),
    h("button", { type: "button", class: "primary", id: "keys-close", autofocus: true, onclick: () => dialog.close() }, t("keys.close")));
  // A modal dialog lets Tab out to the browser's own controls: here it goes round inside.
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const stops = [...dialog.querySelectorAll("button, a[href]")];
    const next = stops.indexOf(document.activeElement) + (event.shiftKey ? -1 : 1);
    event.preventDefault();
    stops[(next + stops.length) % stops.length].focus();
  });
  const show = () => {
    const opener = document.activeElement;
    dialog.addEventListener("close", () => opener && opener.focus(), { once: true });
    dialog.showModal();
  };
  return [dialog, show];
}

export function renderQueueTable(container, app, { items, total, page, sort, openId, controls, approveButton, pager, chosen, choose, address }) {
  const cols = columns(app, items);
  const descending = sort.startsWith("-");
  const sortColumn = cols.find((c) => c.key === sort.replace(/^-/, ""));
  const inPage = Boolean(sortColumn) && !SERVER_SORTS.includes(sort);
  const records = inPage ? items.slice().sort((a, b) => compare(sortColumn.value(a), sortColumn.value(b)) * (descending ? -1 : 1)) : items;
  const link = (id) => address({ page: String(page) }, id);
  // The row the keys act on: the record opened by address when it is on this page, else none
  // (a, c and r must never act on a row other than the one the reviewer came to see), else the first.
  let selected = openId ? (records.find((r) => r.id === openId) || {}).id : (records[0] || {}).id;
  let shown = null; // the record open beside
  let opening = 0; // the latest record asked for: an earlier answer arriving late is dropped
  let pending = null; // the action c or r chose, sent with Ctrl+Enter from the comment box
  let busy = false;

  const sortBy = (key) => app.navigate(address({ sort: sortColumn && sortColumn.key === key && !descending ? `-${key}` : key,
    page: SERVER_SORTS.includes(key) ? "1" : String(page) }, shown), true);
  const head = h("thead", {}, h("tr", {},
    h("th", { scope: "col", class: "pick" }, h("span", { class: "visually-hidden" }, t("queue.col_select"))),
    cols.map((c) => h("th", { scope: "col", dataset: { col: c.key },
      "aria-sort": c === sortColumn ? (descending ? "descending" : "ascending") : null },
    h("button", { type: "button", class: "sort", onclick: () => sortBy(c.key) }, t(`queue.col_${c.key}`),
      h("span", { class: "sort-mark", "aria-hidden": "true" }, c === sortColumn ? (descending ? "▼" : "▲") : ""))))));
  const rows = new Map();
  const row = (record) => {
    const check = h("input", { type: "checkbox", "aria-label": t("queue.select"), checked: chosen.has(record.id),
      disabled: record.has_conflict || record.review_state === "approved", onchange: (e) => choose(record.id, e.target.checked) });
    const tr = h("tr", { class: "queue-row", dataset: { id: record.id, state: record.state }, onclick: (event) => {
      // A click opens the record beside; the box only chooses it, and a link opened in a new tab stays one.
      if (event.target.closest(".pick") || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      select(record.id);
      openBeside(record.id);
    } }, h("td", { class: "pick" }, check), cols.map((c) => h("td", { dataset: { col: c.key } },
      c.cell ? c.cell(record, link(record.id)) : String(c.value(record)))));
    rows.set(record.id, tr);
    return tr;
  };
  const table = h("table", { class: "queue-table", id: "queue-list" },
    h("caption", { class: "visually-hidden" }, t("queue.caption", { n: records.length })), head, h("tbody", {}, records.map(row)));
  const hint = h("p", { class: "muted pane-hint" }, t("queue.pane_hint"));
  const pane = h("div", { class: "review-pane", id: "review-pane", role: "region", "aria-label": t("queue.pane") }, hint);
  const [dialog, showKeys] = keysDialog();

  // The chosen row is the one the keys act on (aria-selected); the one open beside is marked too.
  function mark() {
    for (const [id, tr] of rows) {
      tr.tabIndex = id === selected ? 0 : -1;
      tr.setAttribute("aria-selected", String(id === selected));
      tr.classList.toggle("open", id === shown);
    }
  }

  function select(id, { focus = false } = {}) {
    selected = id;
    mark();
    if (focus && rows.has(id)) rows.get(id).focus();
  }

  const current = () => records.find((r) => r.id === selected);

  async function openBeside(id, options = {}) {
    const ticket = ++opening;
    shown = id;
    pending = null;
    mark();
    history.replaceState(null, "", link(id));
    pane.setAttribute("aria-busy", "true");
    // Rendered aside and put in once loaded, so the pane never shows half a record.
    const box = h("div", { class: "pane-record" });
    await renderReview(box, app, id, { ...options, onReviewed: (action, after) => reviewed(id, after) });
    if (ticket !== opening) return false;
    pane.removeAttribute("aria-busy");
    replace(pane, box);
    return true;
  }

  // Done with a record: its row shows its new state, and the next one is chosen (and opened,
  // when this one was open), so a reviewer can go a, a, a…
  function reviewed(id, after) {
    const index = records.findIndex((r) => r.id === id);
    if (index < 0) {
      openBeside(id); // not on this page: shown again in its new state
      return;
    }
    Object.assign(records[index], asView({ ...records[index], ...after }));
    if (records[index].review_state === "approved") choose(id, false);
    rows.get(id).replaceWith(row(records[index]));
    const next = records[Math.min(index + 1, records.length - 1)];
    const wasOpen = shown === id;
    select(next.id, { focus: true });
    if (wasOpen) openBeside(next.id);
  }

  const openRecord = () => pane.querySelector(`#review[data-id="${CSS.escape(selected)}"]`);

  async function approve() {
    const record = current();
    if (!record || busy) return;
    if (record.has_conflict) {
      app.toast(t("review.conflict_blocks"));
      return;
    }
    // Open beside: its own button, with the version shown there; otherwise the version in the row.
    if (openRecord()) {
      pane.querySelector("#action-approve").click();
      return;
    }
    busy = true;
    try {
      const after = await sendReview(record.id, "approve", record.version);
      app.toast(t("review.done_approve"));
      reviewed(record.id, after);
    } catch (err) {
      if (isStale(err)) openBeside(record.id, { staleFrom: record.version });
      else app.toast(err instanceof NetworkError ? t("dash.offline") : err.message);
    } finally {
      busy = false;
    }
  }

  // Asking for changes or rejecting needs words: the record opens beside, the cursor in its box.
  async function writeComment(action) {
    if (!selected) return;
    if (!openRecord() && !(await openBeside(selected))) return;
    const box = pane.querySelector("#review-comment-input");
    pending = action;
    box.setAttribute("aria-describedby", "send-hint");
    const note = pane.querySelector("#send-hint") || h("p", { class: "muted", id: "send-hint" });
    note.textContent = t("queue.send_hint", { action: t(`review.${action}`) });
    box.after(note);
    box.focus();
  }

  function toggleChosen() {
    const box = rows.get(selected)?.querySelector(".pick input");
    if (!box || box.disabled) return;
    box.checked = !box.checked;
    choose(selected, box.checked);
  }

  function move(step) {
    const index = records.findIndex((r) => r.id === selected);
    const next = records[Math.max(0, Math.min(records.length - 1, index + step))];
    if (next) select(next.id, { focus: true });
  }

  function onKey(event) {
    const target = event.target;
    if (event.altKey || event.defaultPrevented || target.closest("dialog")) return;
    if (target.matches("input, textarea, select, [contenteditable]")) {
      // A search keeps the focus in its box (app.js): ↓ goes from there down into the table.
      if (target.id === "queue-q" && event.key === "ArrowDown" && records.length) {
        select(selected ?? records[0].id, { focus: true });
        event.preventDefault();
        return;
      }
      // In the comment box only Ctrl+Enter (send) and Escape (back to the table) are keys.
      if (target.id !== "review-comment-input") return;
      if (event.key === "Escape") select(selected, { focus: true });
      else if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && pending) pane.querySelector(`#action-${pending}`).click();
      else return;
      event.preventDefault();
      return;
    }
    if (event.ctrlKey || event.metaKey || !records.length) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (key === "j" || key === "ArrowDown") move(1);
    else if (key === "k" || key === "ArrowUp") move(-1);
    // Enter on a link or a button is theirs.
    else if (key === "Enter" && selected && !target.closest("a, button, summary")) {
      select(selected, { focus: true });
      openBeside(selected);
    } else if (key === "a") approve();
    else if (key === "c") writeComment("needs_changes");
    else if (key === "r") writeComment("reject");
    else if (key === "x") toggleChosen();
    else if (key === "?") showKeys();
    else return;
    event.preventDefault();
  }
  document.addEventListener("keydown", onKey);
  app.onLeave(() => document.removeEventListener("keydown", onKey));
  mark();

  replace(container, h("section", { class: "queue desk-queue", id: "queue" },
    h("h1", {}, t("queue.title")), controls,
    h("div", { class: "queue-bar" }, h("span", { id: "queue-total" }, t("queue.total", { n: total })),
      h("button", { type: "button", class: "link", id: "keys-button", "aria-haspopup": "dialog", onclick: showKeys },
        t("queue.keys")),
      approveButton),
    h("div", { class: "desk-split" },
      h("div", { class: "queue-side" },
        records.length ? table : h("p", { class: "empty" }, t("queue.empty")),
        inPage ? h("p", { class: "muted", id: "sorted-in-page" }, t("queue.sorted_in_page")) : null,
        pager),
      pane),
    dialog));
  if (openId) openBeside(openId);
}
