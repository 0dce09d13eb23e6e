// My records: search, filter by type and state, and a list that renders only the rows on
// screen, so ten thousand records scroll as smoothly as ten.
import { h, replace } from "../dom.js";
import { t, label, fold } from "../i18n.js";
import { listViews, STATES } from "../notebook.js";
import { recordTitle } from "./rows.js";
import { status, onStatus } from "../syncer.js";

const ROW_HEIGHT = 76;
const OVERSCAN = 8;
const ATTENTION = ["needs_changes", "sync_rejected", "conflict"];

function matches(app, view, filters) {
  if (filters.type && view.type !== filters.type) return false;
  if (filters.state === "attention" ? !ATTENTION.includes(view.state) : filters.state && view.state !== filters.state) return false;
  if (filters.q) {
    const rt = app.forms.types.find((r) => r.type === view.type);
    const haystack = fold([recordTitle(app.forms, view), rt && rt.personal_id_field ? view.data[rt.personal_id_field] : "",
      view.data.phone, view.data.location].filter(Boolean).join(" "));
    if (!fold(filters.q).split(/\s+/).every((word) => haystack.includes(word))) return false;
  }
  return true;
}

export async function renderRecords(container, app, params) {
  let all = await listViews(app.session.user.id);
  const filters = { q: params.get("q") || "", type: params.get("type") || "", state: params.get("state") || "" };
  const search = h("input", { type: "search", id: "search", placeholder: t("records.search"), value: filters.q,
    "aria-label": t("records.search") });
  const typeSelect = h("select", { id: "filter-type", "aria-label": t("records.type") },
    h("option", { value: "" }, t("records.all_types")),
    app.forms.types.map((rt) => h("option", { value: rt.type, selected: rt.type === filters.type }, label(rt.label))));
  const stateSelect = h("select", { id: "filter-state", "aria-label": t("records.state") },
    h("option", { value: "" }, t("records.all_states")),
    h("option", { value: "attention", selected: filters.state === "attention" }, t("records.attention")),
    STATES.map((s) => h("option", { value: s, selected: s === filters.state }, t(`state.${s}`))));
  const counter = h("p", { class: "count", id: "record-count" });
  const spacer = h("ul", { class: "record-list virtual", id: "record-list" });
  let shown = [];

  function paint() {
    const top = spacer.getBoundingClientRect().top + window.scrollY;
    const first = Math.max(0, Math.floor((window.scrollY - top) / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(shown.length, first + Math.ceil(window.innerHeight / ROW_HEIGHT) + 2 * OVERSCAN);
    const rows = [];
    for (let i = first; i < last; i += 1) {
      const row = app.recordRow(shown[i]);
      row.style.top = `${i * ROW_HEIGHT}px`;
      rows.push(row);
    }
    spacer.replaceChildren(...rows);
  }

  function apply() {
    filters.q = search.value;
    filters.type = typeSelect.value;
    filters.state = stateSelect.value;
    shown = all.filter((view) => matches(app, view, filters));
    counter.textContent = t("records.count", { n: shown.length, total: all.length });
    spacer.style.height = `${shown.length * ROW_HEIGHT}px`;
    const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
    history.replaceState(null, "", `#/records${query.toString() ? `?${query}` : ""}`);
    paint();
  }

  search.addEventListener("input", apply);
  typeSelect.addEventListener("change", apply);
  stateSelect.addEventListener("change", apply);
  let frame = 0;
  const onScroll = () => {
    if (!frame) frame = requestAnimationFrame(() => { frame = 0; paint(); });
  };
  window.addEventListener("scroll", onScroll, { passive: true });
  window.addEventListener("resize", onScroll);
  // What a sync brings in shows in place: the search being typed and the scroll position stay.
  let seenSync = status.lastSync;
  const stopListening = onStatus(async () => {
    if (status.running || status.lastSync === seenSync) return;
    seenSync = status.lastSync;
    all = await listViews(app.session.user.id);
    if (spacer.isConnected) apply();
    else app.navigate(location.hash, true);  // the first records arrived: draw the list itself
  });
  app.onLeave(() => {
    stopListening();
    window.removeEventListener("scroll", onScroll);
    window.removeEventListener("resize", onScroll);
  });

  replace(container, h("section", { class: "records" },
    h("h1", {}, t("records.title")),
    h("div", { class: "filters" }, search, typeSelect, stateSelect),
    counter,
    all.length ? spacer : h("p", { class: "empty" }, t("records.none"))));
  apply();
}
