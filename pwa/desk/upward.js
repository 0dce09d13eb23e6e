// The commune's report to the province (commune police and admin): pick a period, read the
// figures that would go, write the three sections (kept on the device as a draft while typed),
// send; then what was sent, the province's comment if it came back, and a new version.
import { h, replace } from "../js/dom.js";
import { t, formatDate, formatDateTime } from "../js/i18n.js";
import { call, ApiError, NetworkError } from "../js/api.js";
import { getMeta, setMeta } from "../js/session.js";
import {
  periodLabel, periodBounds, previousMonth, periodSelect, errorText, statusBadges, figuresTable,
  submissionView, returnNotice, confirmDialog, onScreen,
} from "./reports.js";

const PARTS = ["results", "difficulties", "proposals"];

function draftKey(app, period) {
  return `report_draft:${app.session.user.commune_id}:${period}`;
}

// The three sections as a form; each keystroke keeps a draft (300 ms later, and when the page hides).
async function editor(app, period, startFrom, version, onSent) {
  const key = draftKey(app, period);
  const draft = await getMeta(key);
  // A draft typed after the last words sent wins over them: it is the newer text.
  const start = draft && (!startFrom || !startFrom.at || draft.saved_at > startFrom.at) ? draft.narrative : (startFrom && startFrom.narrative) || {};
  // A textarea's text is its content, not a value attribute.
  const areas = Object.fromEntries(PARTS.map((part) => [part, h("textarea", { id: `report-${part}`, name: part, rows: 6 },
    start[part] || "")]));
  const kept = h("p", { class: "muted", id: "draft-state", "aria-live": "polite" },
    draft ? t("upward.draft_saved", { when: formatDateTime(draft.saved_at) }) : t("upward.draft_kept"));
  const message = h("p", { class: "error", role: "alert", id: "send-error" });
  const send = h("button", { type: "submit", class: "primary big", id: "send-report" }, version > 1 ? t("upward.resend") : t("upward.send"));
  let timer = null;
  const narrative = () => Object.fromEntries(PARTS.map((part) => [part, areas[part].value.trim()]));
  const save = async () => {
    clearTimeout(timer);
    timer = null;
    const saved_at = new Date().toISOString();
    await setMeta(key, { narrative: Object.fromEntries(PARTS.map((part) => [part, areas[part].value])), saved_at });
    kept.textContent = t("upward.draft_saved", { when: formatDateTime(saved_at) });
  };
  const onHide = () => { if (timer) save(); };
  document.addEventListener("visibilitychange", onHide);
  app.onLeave(() => { document.removeEventListener("visibilitychange", onHide); onHide(); });
  for (const area of Object.values(areas)) {
    area.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(save, 300); });
  }
  async function submit(event) {
    event.preventDefault();
    message.textContent = "";
    const words = narrative();
    if (!words.results) {
      message.textContent = t("upward.need_words");
      areas.results.focus();
      return;
    }
    if (timer) await save();
    if (!(await confirmDialog(t("upward.confirm", { period: periodLabel(period) }), t("upward.confirm_send"), t("upward.cancel")))) return;
    send.disabled = true;
    send.textContent = t("upward.sending");
    try {
      await call("POST", "/reports/submissions", { period, narrative: words });
      await setMeta(key, null);
      app.toast(t("upward.sent", { period: periodLabel(period) }));
      onSent();
    } catch (err) {
      send.disabled = false;
      send.textContent = version > 1 ? t("upward.resend") : t("upward.send");
      if (err instanceof ApiError && err.code === "already_submitted") {
        app.toast(t("upward.already"));
        onSent();
        return;
      }
      message.textContent = errorText(err);
    }
  }
  return h("form", { class: "report-form", id: "report-form", onsubmit: submit },
    PARTS.map((part) => h("div", { class: "field" }, h("label", { for: `report-${part}` }, t(`report.${part}`)), areas[part])),
    kept, message, send);
}

async function preview(period) {
  const { from, to } = periodBounds(period);
  try {
    return figuresTable(await call("GET", `/reports/progress?${new URLSearchParams({ from, to })}`), { compact: true });
  } catch (err) {
    return h("p", { class: "error", role: "alert" }, errorText(err));
  }
}

function history(items, period) {
  if (!items.length) return h("p", { class: "muted" }, t("upward.none"));
  return h("ul", { class: "report-history", id: "report-history" }, items.map((item) => h("li", { dataset: { period: item.period } },
    h("a", { href: `#/upward?period=${encodeURIComponent(item.period)}`, "aria-current": item.period === period ? "page" : null },
      periodLabel(item.period)),
    " ", statusBadges(item.status, item.late),
    h("span", { class: "muted" }, ` ${t("report.version_n", { n: item.version })} · ${formatDate(item.submitted_at)}`))));
}

// A report named by its id (a notification's link): the screen of its period.
export async function openSubmission(container, app, id) {
  try {
    const doc = await call("GET", `/reports/submissions/${encodeURIComponent(id)}`);
    app.navigate(`#/upward?period=${encodeURIComponent(doc.period)}`, true);
  } catch (err) {
    replace(container, h("section", {}, h("h1", {}, t("upward.title")), h("p", { class: "error", role: "alert" }, errorText(err))));
  }
}

export async function renderUpward(container, app, params) {
  const period = params.get("period") || previousMonth();
  const shown = onScreen();
  const reload = (changes = {}) => app.navigate(`#/upward?${new URLSearchParams({ period, ...changes })}`, true);
  const select = periodSelect("report-period", period, (value) => reload({ period: value }));
  const head = [h("h1", {}, t("upward.title")), h("p", { class: "muted" }, t("upward.lead")),
    h("label", { for: "report-period" }, t("period.label")), select];
  let items;
  try {
    items = (await call("GET", "/reports/submissions")).items || [];
  } catch (err) {
    if (!shown()) return;
    // Offline the words can still be written: the draft waits on the device for the network.
    const offline = err instanceof NetworkError;
    replace(container, h("section", { class: "upward", id: "upward", dataset: { period } }, head,
      h("p", { class: offline ? "notice" : "error", role: "alert" }, offline ? t("upward.offline") : errorText(err)),
      offline ? [h("h2", {}, t("report.words")), await editor(app, period, null, 1, () => reload({ sent: Date.now() }))] : null));
    return;
  }
  if (!shown()) return;
  items.sort((a, b) => (b.period_end || b.period).localeCompare(a.period_end || a.period) || b.version - a.version);
  const current = items.find((item) => item.period === period);
  const live = h("p", { class: "visually-hidden", role: "status", id: "upward-live" });
  const body = h("div", { id: "upward-body" });
  replace(container, h("section", { class: "upward", id: "upward", dataset: { period } }, head, live, body,
    h("h2", {}, t("upward.history")), history(items, period)));
  const onSent = () => reload({ sent: Date.now() });
  if (params.get("sent")) live.textContent = t("upward.sent", { period: periodLabel(period) });
  if (!current) {
    replace(body, h("h2", {}, t("upward.preview")), await preview(period),
      h("h2", {}, t("report.words")), await editor(app, period, null, 1, onSent));
    return;
  }
  let doc;
  try {
    doc = await call("GET", `/reports/submissions/${current.id}`);
  } catch (err) {
    replace(body, h("p", { class: "error", role: "alert" }, errorText(err)));
    return;
  }
  const sent = h("div", { id: "sent-report" }, h("h2", {}, t("board.report_of", { name: doc.commune_name || "", period: periodLabel(period) })),
    submissionView(app, doc, { notice: false }));
  if (doc.status !== "returned") {
    replace(body, sent);
    return;
  }
  // Returned: the comment first, then a new version starting from the words last sent.
  const again = h("div", { id: "resend" });
  const start = async () => {
    replace(again, h("h2", {}, t("upward.resend")), h("p", { class: "muted" }, t("upward.resend_lead", { n: doc.version + 1 })),
      h("h3", {}, t("upward.preview")), await preview(period),
      await editor(app, period, { narrative: doc.narrative, at: doc.returned_at }, doc.version + 1, onSent));
    again.querySelector("textarea")?.focus();
  };
  replace(again, h("button", { type: "button", class: "primary big", id: "start-resend", onclick: start }, t("upward.resend")));
  replace(body, returnNotice(doc), again, sent);
  // A draft already begun for the new version opens straight away.
  if (await getMeta(draftKey(app, period))) await start();
}
