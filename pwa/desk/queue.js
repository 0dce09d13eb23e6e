// The review queue for police and admin: the commune's records from the server, filtered and
// paged there (fast at 100,000 records), with possible duplicates flagged and bulk approval. On a
// phone a list of cards; at a desk a table with the record beside it (queue-table.js).
import { h, replace } from "../js/dom.js";
import { t, label, formatDate } from "../js/i18n.js";
import { call, NetworkError } from "../js/api.js";
import { recordTitle, typeShortLabel, villageName } from "../js/views/rows.js";
import { dateInput } from "../js/dates.js";
import { typedDate } from "../js/forms.js";
import { asView, renderQueueTable, SERVER_SORTS } from "./queue-table.js";

const PER_PAGE = 50;
const FILTERS = ["type", "village_id", "review_state", "from", "to", "has_conflict", "created_by", "q", "possible_duplicate"];
const STATES = ["submitted", "needs_changes", "approved", "rejected"];

// `openId`: at a desk, the record shown beside the queue (#/review/<id>).
export async function renderQueue(container, app, params, openId = null) {
  const desk = app.wide.matches;
  const filters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? (name === "review_state" ? "submitted" : "")]));
  // The desk's table sorts by a column: by date on the server, by any other within the page.
  if (desk) filters.sort = params.get("sort") || "";
  const page = Number(params.get("page") || 1);
  // The queue's address, and at a desk a record's beside it: each filter, page 1 unless said,
  // and review_state even when empty (without it the queue means "submitted", so "every state"
  // must be said in the address).
  const address = (changes, id = null) => `#/review${id ? `/${encodeURIComponent(id)}` : ""}?${new URLSearchParams(
    Object.entries({ ...filters, page: "1", ...changes }).filter(([k, v]) => v !== "" || k === "review_state"))}`;
  const go = (changes) => app.navigate(address(changes), true);
  const select = (name, options, all) => h("select", { id: `queue-${name}`, "aria-label": t(`queue.${name}`),
    onchange: (e) => go({ [name]: e.target.value }) },
  h("option", { value: "" }, all), options.map(([value, text]) => h("option", { value, selected: String(value) === filters[name] }, text)));
  // Typed as dd/mm/yyyy; the address keeps the ISO date the server reads.
  const dateFilter = (name) => {
    const problem = h("span", { class: "error", id: `queue-${name}-error`, "aria-live": "polite" });
    const input = dateInput({ id: `queue-${name}`, "aria-describedby": problem.id, onchange: () => {
      const typed = typedDate(input);
      problem.textContent = typed.problem || "";
      if (!typed.problem) go({ [name]: typed.iso });
    } }, "day", filters[name]);
    return h("label", { class: "date-filter" }, t(`queue.${name}`), input, problem);
  };
  const search = h("input", { type: "search", id: "queue-q", value: filters.q, placeholder: t("queue.search"), "aria-label": t("queue.search") });
  search.addEventListener("change", () => go({ q: search.value.trim() }));
  // On a phone the filters fold away under the search box (open while one is in use), so
  // the queue itself starts on the first screen.
  const narrowed = FILTERS.some((name) => !["q", "review_state"].includes(name) && filters[name]);
  const controls = h("div", {}, search, h("details", { class: "filter-box", open: narrowed || matchMedia("(min-width: 720px)").matches },
    h("summary", {}, t("queue.filters")), h("div", { class: "filters queue-filters" },
    select("type", app.forms.types.map((rt) => [rt.type, label(rt.label)]), t("records.all_types")),
    select("village_id", app.session.user.villages.map((v) => [String(v.id), v.name]), t("queue.all_villages")),
    select("review_state", STATES.map((s) => [s, t(`state.${s}`)]), t("records.all_states")),
    select("has_conflict", [["true", t("queue.with_conflict")], ["false", t("queue.without_conflict")]], t("queue.any_conflict")),
    select("possible_duplicate", [["true", t("queue.duplicates_only")]], t("queue.any_duplicate")),
    dateFilter("from"), dateFilter("to"))));

  let result;
  try {
    const { sort, ...sent } = filters;
    const asked = { ...sent, sort: SERVER_SORTS.includes(sort) ? sort : "", page, per_page: PER_PAGE };
    result = await call("GET", `/records?${new URLSearchParams(Object.entries(asked).filter(([, v]) => v !== ""))}`);
  } catch (err) {
    replace(container, h("section", { class: "queue" }, h("h1", {}, t("queue.title")), controls,
      h("p", { class: "error", role: "alert" }, err instanceof NetworkError ? t("dash.offline") : err.message)));
    return;
  }
  if (filters.created_by && !result.items.length && page === 1) filters.created_by = "";
  const chosen = new Set();
  const approveButton = h("button", { type: "button", class: "primary", id: "bulk-approve", disabled: true, onclick: async () => {
    approveButton.disabled = true;
    try {
      const answer = await call("POST", "/records/review", { ids: [...chosen], action: "approve" });
      const done = answer.results.filter((r) => r.status === "ok").length;
      app.toast(t("queue.bulk_done", { done, failed: answer.results.length - done }));
      go({ page: String(page) });
    } catch (err) {
      app.toast(err instanceof NetworkError ? t("dash.offline") : err.message);
      approveButton.disabled = false;
    }
  } }, t("queue.approve_selected", { n: 0 }));
  const choose = (id, on) => {
    if (on) chosen.add(id);
    else chosen.delete(id);
    approveButton.disabled = chosen.size === 0;
    approveButton.textContent = t("queue.approve_selected", { n: chosen.size });
  };
  const pages = Math.max(1, Math.ceil(result.total / PER_PAGE));
  const pager = pages > 1 ? h("div", { class: "pager" },
    h("button", { type: "button", disabled: page <= 1, onclick: () => go({ page: String(page - 1) }) }, "‹"),
    h("span", {}, t("queue.page", { page, pages })),
    h("button", { type: "button", disabled: page >= pages, id: "queue-next", onclick: () => go({ page: String(page + 1) }) }, "›")) : null;
  if (desk) {
    renderQueueTable(container, app, { items: result.items.map(asView), total: result.total, page, sort: filters.sort, openId,
      controls, approveButton, pager, chosen, choose, address });
    return;
  }
  replace(container, h("section", { class: "queue", id: "queue" },
    h("h1", {}, t("queue.title")), controls,
    h("div", { class: "queue-bar" }, h("span", { id: "queue-total" }, t("queue.total", { n: result.total })), approveButton),
    result.items.length ? h("ul", { class: "record-list queue-list", id: "queue-list" }, result.items.map((record) => {
      const view = asView(record);
      return h("li", { class: "record-row queue-row", dataset: { id: record.id, state: view.state } },
        h("input", { type: "checkbox", "aria-label": t("queue.select"), onchange: (e) => choose(record.id, e.target.checked),
          disabled: record.has_conflict || record.review_state === "approved" }),
        h("a", { href: `#/review/${record.id}` },
          h("span", { class: "row-title" }, recordTitle(app.forms, view)),
          h("span", { class: "row-meta" }, [formatDate(record.created_at), villageName(app.session, record.village_id),
            typeShortLabel(app.forms, record.type), record.created_by_name].filter(Boolean).join(" · ")),
          h("span", { class: "badges" }, h("span", { class: `badge state-${view.state}` }, t(`state.${view.state}`)),
            record.possible_duplicate ? h("span", { class: "badge duplicate" }, t("queue.duplicate")) : null)));
    })) : h("p", { class: "empty" }, t("queue.empty")),
    pager));
}
