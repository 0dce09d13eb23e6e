// One record: its fields, its state and why, the reviewer's comment, the server's reasons
// when a change was rejected, the history (when online), and editing where allowed.
import { h, replace } from "../dom.js";
import { t, label, formatDate, formatDateTime } from "../i18n.js";
import { call, NetworkError } from "../api.js";
import { getView, discardRejectedChange } from "../notebook.js";
import { recordType, roleOf } from "../forms.js";
import { refreshCounts } from "../syncer.js";
import { recordTitle, stateBadge, villageName } from "./rows.js";

const LOCKED = ["approved", "rejected"];

// A role that corrects changes any record it holds (the server checks each field); others
// their own, until it is approved or rejected.
export function canEdit(forms, session, view) {
  if (roleOf(forms, session.user.role).corrects) return true;
  return view.own && !(view.server && LOCKED.includes(view.server.review_state));
}

export function formatValue(field, value) {
  if (value === undefined || value === null || value === "") return "—";
  switch (field.kind) {
    case "choice": {
      const choice = field.choices.find((c) => c.value === value);
      return choice ? label(choice.label) : String(value);
    }
    case "multi_choice":
      return value.map((v) => formatValue({ ...field, kind: "choice" }, v)).join(", ");
    case "boolean":
      return value ? t("form.yes") : t("form.no");
    case "date":
    case "partial_date":
      return formatDate(value);
    default:
      return String(value);
  }
}

function fieldList(rt, data, problems = {}) {
  return h("dl", { class: "fields" }, rt.fields.filter((f) => data[f.name] !== undefined || problems[f.name]).map((field) => [
    h("dt", {}, label(field.label)),
    h("dd", { dataset: { field: field.name } }, formatValue(field, data[field.name]),
      problems[field.name] ? h("span", { class: "error" }, ` ${problems[field.name].join(" ")}`) : null),
  ]));
}

async function loadHistory(slot, app, id) {
  try {
    const record = await call("GET", `/records/${encodeURIComponent(id)}`);
    const rt = recordType(app.forms, record.type);
    const names = Object.fromEntries(rt.fields.map((f) => [f.name, label(f.label)]));
    replace(slot, h("ol", { class: "history" }, record.history.slice().reverse().map((v) => h("li", {},
      h("span", { class: "history-head" }, t(`history.${v.action}`, { version: v.version }), " · ",
        v.user.full_name || v.user.username || "—", " · ", formatDateTime(v.at)),
      v.changed && v.changed.length && v.action !== "create"
        ? h("span", { class: "history-changed" }, t("history.changed", { fields: v.changed.map((n) => names[n] || n).join(", ") })) : null,
      v.review_comment && v.action === "review" ? h("q", {}, v.review_comment) : null))));
  } catch (err) {
    replace(slot, h("p", { class: "muted" }, err instanceof NetworkError ? t("record.history_offline")
      : err.status === 404 ? t("record.history_not_yet") : err.message));
  }
}

export async function renderRecord(container, app, id) {
  const view = await getView(id, app.session.user.id);
  if (!view) {
    replace(container, h("section", {}, h("p", { class: "empty" }, t("record.missing")), h("a", { href: "#/records" }, t("nav.records"))));
    return;
  }
  const rt = recordType(app.forms, view.type);
  const rejection = view.rejected ? view.rejected.result.error : null;
  const problems = rejection && rejection.fields ? rejection.fields : {};
  const historySlot = h("div", { class: "history-slot" }, h("p", { class: "muted" }, t("record.history_loading")));
  const editable = canEdit(app.forms, app.session, view);
  replace(container, h("section", { class: "record-detail", dataset: { id: view.id, state: view.state } },
    h("p", { class: "type-name" }, label(rt.label)),
    h("h1", {}, recordTitle(app.forms, view)),
    h("p", { class: "record-meta" }, stateBadge(view.state), " ", villageName(app.session, view.village_id),
      view.server ? ` · ${t("record.version", { n: view.server.version })}` : ""),
    view.state === "pending" ? h("p", { class: "notice" }, t("record.pending_note")) : null,
    view.review_comment && ["needs_changes", "rejected"].includes(view.server?.review_state)
      ? h("div", { class: `review-comment ${view.server.review_state}`, id: "review-comment" },
        h("strong", {}, t(view.server.review_state === "needs_changes" ? "record.asked_changes" : "record.rejected_because")),
        h("p", {}, view.review_comment)) : null,
    view.state === "conflict" ? h("p", { class: "notice conflict" }, t("record.conflict_note")) : null,
    rejection ? h("div", { class: "rejection", role: "alert", id: "rejection" },
      h("strong", {}, t("record.sync_rejected")), h("p", {}, rejection.message || rejection.code),
      h("div", { class: "actions" },
        h("a", { class: "button primary", href: `#/edit/${view.id}`, id: "fix-resend" }, t("record.fix_and_resend")),
        h("button", { type: "button", class: "link danger", onclick: async () => {
          if (!confirm(t("record.discard_confirm"))) return;
          await discardRejectedChange(view);
          await refreshCounts();
          app.navigate(`#/record/${view.id}`, true);
        } }, t("record.discard")))) : null,
    fieldList(rt, view.rejected ? view.proposed : view.data, problems),
    editable && !rejection ? h("a", { class: "button primary", href: `#/edit/${view.id}`, id: "edit-record" }, t("record.edit")) : null,
    !editable ? h("p", { class: "muted" }, t("record.locked")) : null,
    h("h2", {}, t("record.history")),
    historySlot));
  if (view.server) loadHistory(historySlot, app, view.id);
  else replace(historySlot, h("p", { class: "muted" }, t("record.history_not_yet")));
}
