// A new record or an edit: the form from /forms, checked on the phone as the server will
// check it, and saved as a draft while the user types, so a closed tab or a dead battery
// loses nothing.
import { h, replace } from "../dom.js";
import { t, label, formatDateTime } from "../i18n.js";
import { get, put, remove } from "../db.js";
import { buildForm, recordType, validate } from "../forms.js";
import { createRecord, editRecord, getView } from "../notebook.js";
import { refreshCounts, requestBackgroundSync, syncNow } from "../syncer.js";
import { canEdit } from "./record.js";

const DRAFT_DELAY_MS = 300;

export async function renderEdit(container, app, { type, id }) {
  const view = id ? await getView(id, app.session.user.id) : null;
  if (id && (!view || !canEdit(app.forms, app.session, view))) {
    app.navigate(id ? `#/record/${id}` : "#/", true);
    return;
  }
  const rt = recordType(app.forms, view ? view.type : type);
  if (!rt) {
    app.navigate("#/", true);
    return;
  }
  const draftKey = view ? `edit:${view.id}` : `new:${rt.type}`;
  const draft = await get("drafts", draftKey);
  const villages = app.session.user.villages;
  const startValues = draft ? draft.values : view ? view.proposed : {};
  const startVillage = draft ? draft.village_id : view ? view.village_id : villages.length === 1 ? villages[0].id : null;

  let timer = null;
  let saved = false;
  const saveDraft = async () => {
    clearTimeout(timer);
    if (saved) return;
    const { data, villageId } = form.read();
    await put("drafts", { key: draftKey, type: rt.type, record_id: view ? view.id : null, village_id: villageId,
      values: data, saved_at: new Date().toISOString() });
  };
  const form = buildForm(rt, {
    values: startValues, role: app.session.user.role, villages, villageId: startVillage,
    onInput: () => {
      clearTimeout(timer);
      timer = setTimeout(saveDraft, DRAFT_DELAY_MS);
    },
  });
  // The page may be closed at any moment on a phone: write what is typed before it goes.
  const flush = () => { if (timer) saveDraft(); };
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", flush);
  app.onLeave(() => {
    flush();
    window.removeEventListener("pagehide", flush);
    document.removeEventListener("visibilitychange", flush);
  });

  const summary = h("p", { class: "error form-summary", role: "alert", id: "form-summary" });
  const saveButton = h("button", { type: "submit", class: "primary big", id: "save-record" }, t("form.save"));

  async function submit(event) {
    event.preventDefault();
    const { data, villageId } = form.read();
    // An edit of a record the server holds answers for the rules it touches; a record not yet on
    // the server is still a create there, checked in full.
    const errors = validate(app.forms, rt, data, view && view.server ? view.data : null);
    if (!villageId) errors.village_id = [{ key: "v.required", params: {} }];
    const { first } = form.showErrors(errors);
    if (first) {
      summary.textContent = t("form.fix_errors");
      first.scrollIntoView({ block: "center" });
      const input = first.querySelector("input, select, textarea");
      if (input) input.focus({ preventScroll: true });
      return;
    }
    summary.textContent = "";
    saveButton.disabled = true;
    try {
      let recordId = view ? view.id : null;
      if (view) await editRecord({ ...view }, data);
      else recordId = await createRecord(rt.type, villageId, data);
      saved = true;
      clearTimeout(timer);
      await remove("drafts", draftKey);
      await refreshCounts();
      requestBackgroundSync();
      app.toast(t("form.saved"));
      app.navigate(`#/record/${recordId}`, true);
      syncNow();
    } catch (err) {
      summary.textContent = t("form.save_failed", { reason: err.message });
      saveButton.disabled = false;
    }
  }

  const discardDraft = async () => {
    saved = true;
    await remove("drafts", draftKey);
    app.navigate(location.hash, true);
  };

  replace(container, h("section", { class: "edit" },
    h("h1", {}, view ? t("form.edit_title", { type: label(rt.label) }) : label(rt.label)),
    draft ? h("p", { class: "notice", id: "draft-restored" }, t("form.draft_restored", { when: formatDateTime(draft.saved_at) }), " ",
      h("button", { type: "button", class: "link", onclick: discardDraft }, t("form.discard_draft"))) : null,
    h("form", { onsubmit: submit, novalidate: true, id: "record-form", dataset: { type: rt.type } },
      form.element, summary, saveButton)));

  // A change the server rejected: show its reasons on the fields straight away.
  const rejection = view && view.rejected ? view.rejected.result.error : null;
  if (rejection && rejection.fields) form.showErrors(rejection.fields);
}
