// One record under review: every field, the whole history (who, which device, what changed),
// approve / ask for changes / reject guarded by the version the reviewer saw, and the death
// case's next step, which goes through the device's outbox like any edit.
import { h, replace } from "../js/dom.js";
import { t, label, formatDateTime } from "../js/i18n.js";
import { call, ApiError, NetworkError } from "../js/api.js";
import { recordType, typedDate } from "../js/forms.js";
import { dateInput } from "../js/dates.js";
import { getView, editRecord } from "../js/notebook.js";
import { refreshCounts, syncNow } from "../js/syncer.js";
import { formatValue } from "../js/views/record.js";
import { recordTitle, stateBadge, villageName } from "../js/views/rows.js";

// The record changed since the version the reviewer acted on (not a conflict, nor a move its
// state does not allow): show it again with what changed.
export function isStale(err) {
  return err instanceof ApiError && err.status === 409 && err.code !== "record_has_conflict" && err.code !== "invalid_transition";
}

function fieldTable(rt, data, highlight = new Set()) {
  return h("table", { class: "field-table", id: "review-fields" }, h("tbody", {}, rt.fields.map((field) =>
    h("tr", { class: highlight.has(field.name) ? "changed" : "", dataset: { field: field.name } },
      h("th", {}, label(field.label)), h("td", {}, formatValue(field, data[field.name]))))));
}

function historyList(rt, history) {
  const fields = Object.fromEntries(rt.fields.map((f) => [f.name, f]));
  return h("ol", { class: "history", id: "review-history" }, history.slice().reverse().map((version, i, newestFirst) => {
    const before = newestFirst[i + 1] ? newestFirst[i + 1].data || {} : {};
    const changes = (version.changed || []).filter((name) => fields[name]).map((name) => h("li", {},
      `${label(fields[name].label)}: `, h("s", {}, formatValue(fields[name], before[name])), " → ",
      formatValue(fields[name], (version.data || {})[name])));
    return h("li", { dataset: { version: String(version.version) } },
      h("span", { class: "history-head" }, t(`history.${version.action}`, { version: version.version }), " · ",
        version.user.full_name || version.user.username || "—", " · ", formatDateTime(version.at)),
      version.device_id ? h("span", { class: "history-changed mono" }, t("review.device", { id: version.device_id.slice(0, 8) })) : null,
      version.action !== "create" && changes.length ? h("ul", { class: "changes" }, changes) : null,
      version.review_comment && version.action === "review" ? h("q", {}, version.review_comment) : null);
  }));
}

// Moving a record along its type's workflow (the /forms document's `workflow`): a button per
// move the current state allows, and an input for each field a target state needs.
function workflowControls(app, rt, record, message) {
  const { field, moves, needs = {} } = rt.workflow;
  const statusField = rt.fields.find((f) => f.name === field);
  const current = record.data[field] || statusField.default;
  const targets = moves[current] || [];
  if (!targets.length) return reopenControls(app, rt, record, message);
  const statuses = Object.fromEntries(statusField.choices.map((c) => [c.value, label(c.label)]));
  const needed = [...new Set(targets.flatMap((target) => needs[target] || []))].map((name) => rt.fields.find((f) => f.name === name));
  // A date is typed as dd/mm/yyyy under its name (its placeholder shows the format).
  const inputs = Object.fromEntries(needed.map((f) => [f.name, f.kind === "date"
    ? dateInput({ id: `need-${f.name}` })
    : h("input", { id: `need-${f.name}`, type: "text", "aria-label": label(f.label), placeholder: label(f.label) })]));
  const move = (status) => async () => {
    const view = await getView(record.id, app.session.user.id);
    if (!view || !view.server) {
      message.textContent = t("review.sync_first");
      return;
    }
    const data = { ...view.data, [field]: status };
    for (const name of needs[status] || []) {
      const input = inputs[name];
      const asked = rt.fields.find((f) => f.name === name);
      const typed = input.dataset.precision ? typedDate(input, asked) : { iso: input.value.trim() };
      if (typed.problem) {
        message.textContent = `${label(asked.label)}: ${typed.problem}`;
        input.focus();
        return;
      }
      const value = typed.iso;
      const known = view.data[name];
      if (!value && !known) {
        message.textContent = t("review.field_needed", { field: label(asked.label) });
        input.focus();
        return;
      }
      if (value) data[name] = value;
    }
    await editRecord(view, data);
    await refreshCounts();
    app.toast(t("review.case_saved", { status: statuses[status] }));
    syncNow().then(() => app.navigate(location.hash, true));
  };
  return h("div", { class: "case-controls", id: "case-controls" },
    h("h2", {}, t("review.workflow_state", { status: statuses[current] })),
    needed.length ? h("div", { class: "pair" }, needed.map((f) => f.kind === "date"
      ? h("label", { class: "date-filter" }, label(f.label), inputs[f.name]) : inputs[f.name])) : null,
    h("div", { class: "actions" }, targets.map((status) => h("button", { type: "button", dataset: { move: status }, onclick: move(status) },
      t("review.move_to", { status: statuses[status] })))));
}

// A closed record: its state, and for a role the workflow allows (`workflow.reopen`) the way to
// reopen it, with its reason.
function reopenControls(app, rt, record, message) {
  const { field, reopen } = rt.workflow;
  const statuses = Object.fromEntries(rt.fields.find((f) => f.name === field).choices.map((c) => [c.value, label(c.label)]));
  const heading = h("h2", {}, t("review.workflow_state", { status: statuses[record.data[field]] }));
  if (!reopen || !reopen.by.includes(app.session.user.role)) {
    return h("div", { class: "case-controls", id: "case-controls" }, heading, h("p", { class: "muted" }, t("review.closed")));
  }
  const reasonField = rt.fields.find((f) => f.name === reopen.reason);
  const reason = h("textarea", { id: `need-${reopen.reason}`, rows: 2, "aria-label": label(reasonField.label), placeholder: label(reasonField.label) });
  const reopenCase = async () => {
    const view = await getView(record.id, app.session.user.id);
    if (!view || !view.server) {
      message.textContent = t("review.sync_first");
      return;
    }
    if (!reason.value.trim()) {
      message.textContent = t("review.field_needed", { field: label(reasonField.label) });
      reason.focus();
      return;
    }
    await editRecord(view, { ...view.data, [field]: reopen.to, [reopen.reason]: reason.value.trim() });
    await refreshCounts();
    app.toast(t("review.case_saved", { status: statuses[reopen.to] }));
    syncNow().then(() => app.navigate(location.hash, true));
  };
  return h("div", { class: "case-controls", id: "case-controls" },
    heading,
    reason,
    h("div", { class: "actions" }, h("button", { type: "button", id: "reopen", onclick: reopenCase }, t("review.reopen"))));
}

// A review action on the version the reviewer saw (`baseVersion`): the server refuses it if the
// record changed since. The record after it.
export function sendReview(id, action, baseVersion, comment) {
  return call("POST", `/records/${encodeURIComponent(id)}/review`, { action, base_version: baseVersion, comment: comment || undefined });
}

// The record under review in `container`: a screen of its own on a phone; at a desk, the pane
// beside the queue, which `onReviewed(action, record)` tells of each action done.
export async function renderReview(container, app, id, { staleFrom = null, onReviewed = null } = {}) {
  let record;
  try {
    record = await call("GET", `/records/${encodeURIComponent(id)}`);
  } catch (err) {
    replace(container, h("p", { class: "error", role: "alert" }, err instanceof NetworkError ? t("dash.offline") : err.message));
    return;
  }
  const rt = recordType(app.forms, record.type);
  // After a stale action: what changed since the version the reviewer was looking at.
  const newer = staleFrom === null ? [] : record.history.filter((v) => v.version > staleFrom);
  const changedSince = new Set(newer.flatMap((v) => v.changed || []));
  const comment = h("textarea", { id: "review-comment-input", rows: 3, "aria-label": t("review.comment"), placeholder: t("review.comment") });
  const message = h("p", { class: "error", role: "alert", id: "review-error" });
  const act = (action) => async (event) => {
    message.textContent = "";
    if (action !== "approve" && !comment.value.trim()) {
      message.textContent = t("review.comment_required");
      comment.focus();
      return;
    }
    event.target.disabled = true;
    try {
      const after = await sendReview(id, action, record.version, comment.value.trim());
      app.toast(t(`review.done_${action}`));
      if (onReviewed) onReviewed(action, after);
      else app.navigate("#/review", false);
    } catch (err) {
      event.target.disabled = false;
      if (isStale(err)) {
        await renderReview(container, app, id, { staleFrom: record.version, onReviewed });
        return;
      }
      message.textContent = err instanceof NetworkError ? t("dash.offline") : err.message;
    }
  };
  const blocked = record.has_conflict;
  replace(container, h("section", { class: "review", id: "review", dataset: { id: record.id, version: String(record.version) } },
    onReviewed ? null : h("a", { href: "#/review", class: "back" }, t("review.back")),
    h("p", { class: "type-name" }, label(rt.label)),
    // Beside the queue, under the queue's own heading.
    h(onReviewed ? "h2" : "h1", {}, recordTitle(app.forms, record)),
    h("p", { class: "record-meta" }, stateBadge(record.has_conflict ? "conflict" : record.review_state),
      " ", villageName(app.session, record.village_id), ` · ${t("record.version", { n: record.version })}`),
    newer.length ? h("p", { class: "notice", id: "stale-notice" }, t("review.stale", { n: newer.length })) : null,
    record.possible_duplicate ? h("p", { class: "notice", id: "duplicate-notice" }, t("review.duplicate")) : null,
    blocked ? h("p", { class: "notice conflict" }, t("review.conflict_blocks"),
      app.can("resolve_conflicts") ? [" ", h("a", { href: `#/conflicts/${record.open_conflicts[0]}` }, t("review.open_conflict"))] : null) : null,
    record.review_comment ? h("div", { class: `review-comment ${record.review_state}` }, h("strong", {}, t("review.last_comment")),
      h("p", {}, record.review_comment)) : null,
    fieldTable(rt, record.data, changedSince),
    h("div", { class: "review-actions" },
      comment, message,
      h("div", { class: "actions" },
        h("button", { type: "button", class: "primary", id: "action-approve", disabled: blocked, onclick: act("approve") }, t("review.approve")),
        h("button", { type: "button", id: "action-needs_changes", onclick: act("needs_changes") }, t("review.needs_changes")),
        h("button", { type: "button", class: "danger", id: "action-reject", onclick: act("reject") }, t("review.reject")))),
    rt.workflow ? workflowControls(app, rt, record, message) : null,
    h("h2", {}, t("record.history")),
    historyList(rt, record.history)));
}
