// What the commune's and the province's report screens share: their strings, the periods a
// report covers (month, quarter, six months, year) and their names, and a sent report as
// both sides read it (figures frozen when sent, the three sections of words, its versions).
import { h, download } from "../js/dom.js";
import { t, label, addStrings, formatDate, formatDateTime } from "../js/i18n.js";
import { call, NetworkError } from "../js/api.js";
import { todayInVietnam } from "../js/rules.js";

addStrings({
  vi: {
    "period.month": "tháng {m}/{y}", "period.quarter": "quý {q}/{y}", "period.half1": "6 tháng đầu năm {y}",
    "period.half2": "6 tháng cuối năm {y}", "period.year": "năm {y}", "period.label": "Kỳ báo cáo",
    "period.months": "Báo cáo tháng", "period.quarters": "Báo cáo quý", "period.halves": "Sơ kết 6 tháng",
    "period.years": "Tổng kết năm",
    "sent.missing": "Chưa gửi", "sent.submitted": "Đã gửi", "sent.returned": "Bị trả lại", "sent.late": "Nộp muộn", "sent.overdue": "Quá hạn",
    "sent.on_time": "Đúng hạn",
    "report.results": "Kết quả", "report.difficulties": "Khó khăn, vướng mắc", "report.proposals": "Đề xuất, kiến nghị",
    "report.figures": "Số liệu", "report.words": "Nội dung báo cáo", "report.measure": "Chỉ số",
    "report.value": "Kết quả", "report.target": "Chỉ tiêu", "report.no_figures": "Không có số liệu.",
    "report.status": "Trạng thái", "report.sent_at": "Gửi lúc", "report.sent_by": "Người gửi", "report.due": "Hạn nộp",
    "report.version": "Phiên bản", "report.version_n": "Phiên bản {n}", "report.versions": "Các phiên bản",
    "report.version_line": "Phiên bản {n}, gửi lúc {when}", "report.returned_line": "trả lại lúc {when}",
    "report.current": "(đang xem)", "report.loading": "Đang tải…", "report.empty_text": "(không ghi)",
    "report.returned_title": "Tỉnh đã trả lại báo cáo", "report.returned_by": "{name} trả lại lúc {when}:",
    "report.download": "Tải XLSX", "report.offline": "Cần có mạng để mở báo cáo.",
    "report.field_difficulties": "Khó khăn, vướng mắc ghi nhận trong kỳ",
    "report.more_figures": "Các chỉ số khác ({n})",
    "upward.title": "Báo cáo gửi tỉnh", "upward.lead": "Số liệu của kỳ và ba phần nội dung, gửi Công an tỉnh và Tổ công tác tỉnh.",
    "upward.preview": "Số liệu sẽ gửi (tính đến bây giờ)", "upward.draft_kept": "Nội dung được giữ trên máy này khi bạn gõ.",
    "upward.draft_saved": "Đã giữ bản nháp lúc {when}.", "upward.send": "Gửi báo cáo", "upward.resend": "Gửi lại",
    "upward.confirm": "Gửi báo cáo {period} lên tỉnh? Sau khi gửi, số liệu được giữ nguyên như lúc gửi.",
    "upward.confirm_send": "Gửi", "upward.cancel": "Hủy", "upward.sent": "Đã gửi báo cáo {period}.",
    "upward.sending": "Đang gửi…", "upward.need_words": "Hãy ghi ít nhất phần Kết quả.",
    "upward.history": "Các báo cáo đã gửi", "upward.none": "Chưa gửi báo cáo nào.",
    "upward.already": "Báo cáo kỳ này đã được gửi; đây là bản đã gửi.",
    "upward.offline": "Ngoại tuyến: vẫn viết được, nội dung giữ trên máy; cần có mạng để xem số liệu và gửi.",
    "upward.resend_lead": "Sửa theo nhận xét của tỉnh rồi gửi lại: tỉnh sẽ nhận phiên bản {n}.",
    "board.title": "Báo cáo của các xã, phường", "board.summary": "{on_time} đúng hạn · {late} nộp muộn · {missing} chưa gửi · {returned} bị trả lại",
    "board.commune": "Xã, phường", "board.rank": "Hạng", "board.towards": "Lũy kế {reached} / chỉ tiêu {target}", "board.sent": "Ngày gửi", "board.download": "Tải bảng tổng hợp (XLSX)",
    "board.province_total": "Toàn tỉnh", "board.open": "Mở báo cáo của {name}", "board.back": "‹ Các xã, phường",
    "board.return": "Trả lại", "board.return_comment": "Nhận xét gửi xã (cần sửa gì)",
    "board.return_confirm": "Trả lại báo cáo", "board.return_needs": "Cần ghi nhận xét khi trả lại.",
    "board.returned": "Đã trả lại báo cáo cho {name}.", "board.due": "Hạn nộp {date}", "board.no_communes": "Tỉnh chưa có xã, phường nào.",
    "board.report_of": "{name} — báo cáo {period}",
    "plan.title": "Hạn nộp và chỉ tiêu", "plan.deadlines": "Hạn nộp báo cáo",
    "plan.due_day": "Hạn nộp báo cáo tháng: ngày (của tháng sau)", "plan.due_help": "Ví dụ 20: báo cáo tháng 11 nộp trước hết ngày 20/12.",
    "plan.period_deadlines": "Hạn riêng của từng kỳ", "plan.no_period_deadlines": "Chưa có hạn riêng; các kỳ theo ngày hạn hằng tháng.",
    "plan.add_deadline": "Thêm hạn cho kỳ", "plan.due_date": "Hạn nộp", "plan.remove": "Bỏ",
    "plan.save_deadlines": "Lưu hạn nộp", "plan.saved": "Đã lưu.", "plan.targets": "Chỉ tiêu của tỉnh và từng xã",
    "plan.no_targets": "Chưa có chỉ tiêu.", "plan.where": "Áp dụng cho", "plan.value": "Chỉ tiêu",
    "plan.period_help": "Kỳ: năm (2026), quý (2026-Q4) hoặc tháng (2026-11).", "plan.set_target": "Đặt chỉ tiêu",
    "plan.clear_target": "Bỏ chỉ tiêu",
  },
  en: {
    "period.month": "{m}/{y}", "period.quarter": "Q{n} {y}", "period.half1": "first half of {y}",
    "period.half2": "second half of {y}", "period.year": "year {y}", "period.label": "Report period",
    "period.months": "Monthly reports", "period.quarters": "Quarterly reports", "period.halves": "Six-month reviews",
    "period.years": "Year-end reviews",
    "sent.missing": "Not sent", "sent.submitted": "Sent", "sent.returned": "Returned", "sent.late": "Sent late", "sent.overdue": "Overdue",
    "sent.on_time": "On time",
    "report.results": "Results", "report.difficulties": "Difficulties", "report.proposals": "Proposals",
    "report.figures": "Figures", "report.words": "The report", "report.measure": "Measure",
    "report.value": "Result", "report.target": "Target", "report.no_figures": "No figures.",
    "report.status": "Status", "report.sent_at": "Sent at", "report.sent_by": "Sent by", "report.due": "Due",
    "report.version": "Version", "report.version_n": "Version {n}", "report.versions": "Versions",
    "report.version_line": "Version {n}, sent {when}", "report.returned_line": "returned {when}",
    "report.current": "(shown)", "report.loading": "Loading…", "report.empty_text": "(nothing written)",
    "report.returned_title": "The province returned this report", "report.returned_by": "{name} returned it at {when}:",
    "report.download": "Download XLSX", "report.offline": "Opening a report needs the network.",
    "report.field_difficulties": "Difficulties recorded in the period",
    "report.more_figures": "Other measures ({n})",
    "upward.title": "Report to the province", "upward.lead": "The period's figures and three sections of words, sent to the province police and working group.",
    "upward.preview": "Figures to be sent (as of now)", "upward.draft_kept": "What you type is kept on this device.",
    "upward.draft_saved": "Draft kept at {when}.", "upward.send": "Send the report", "upward.resend": "Send again",
    "upward.confirm": "Send the {period} report to the province? Once sent, its figures stay as they were when sent.",
    "upward.confirm_send": "Send", "upward.cancel": "Cancel", "upward.sent": "The {period} report was sent.",
    "upward.sending": "Sending…", "upward.need_words": "Write at least the Results.",
    "upward.history": "Reports sent", "upward.none": "No report sent yet.",
    "upward.already": "This period's report was already sent; here is what was sent.",
    "upward.offline": "Offline: you can still write, and it is kept on this device; the figures and sending need the network.",
    "upward.resend_lead": "Correct it as the province asks and send it again: the province receives version {n}.",
    "board.title": "Reports of the communes", "board.summary": "{on_time} on time · {late} late · {missing} not sent · {returned} returned",
    "board.commune": "Commune", "board.rank": "Rank", "board.towards": "To date {reached} / target {target}", "board.sent": "Sent on", "board.download": "Download the roll-up (XLSX)",
    "board.province_total": "Whole province", "board.open": "Open the report of {name}", "board.back": "‹ Communes",
    "board.return": "Return", "board.return_comment": "Comment for the commune (what to correct)",
    "board.return_confirm": "Return the report", "board.return_needs": "A comment is needed to return a report.",
    "board.returned": "The report was returned to {name}.", "board.due": "Due {date}", "board.no_communes": "The province has no communes yet.",
    "board.report_of": "{name} — {period} report",
    "plan.title": "Deadlines and targets", "plan.deadlines": "Report deadlines",
    "plan.due_day": "Monthly report due: day (of the next month)", "plan.due_help": "For example 20: November's report is due by 20 December.",
    "plan.period_deadlines": "Deadlines for single periods", "plan.no_period_deadlines": "None; every period follows the monthly day.",
    "plan.add_deadline": "Add a period's deadline", "plan.due_date": "Due date", "plan.remove": "Remove",
    "plan.save_deadlines": "Save deadlines", "plan.saved": "Saved.", "plan.targets": "Targets of the province and each commune",
    "plan.no_targets": "No targets yet.", "plan.where": "For", "plan.value": "Target",
    "plan.period_help": "Period: a year (2026), a quarter (2026-Q4) or a month (2026-11).", "plan.set_target": "Set the target",
    "plan.clear_target": "Remove the target",
  },
});

const ROMAN = { 1: "I", 2: "II", 3: "III", 4: "IV" };

// "tháng 10/2026", "quý IV/2026", "6 tháng đầu năm 2026", "năm 2026".
export function periodLabel(period) {
  let m;
  if ((m = /^(\d{4})-(\d{2})$/.exec(period))) return t("period.month", { m: m[2], y: m[1] });
  if ((m = /^(\d{4})-Q([1-4])$/.exec(period))) return t("period.quarter", { q: ROMAN[m[2]], n: m[2], y: m[1] });
  if ((m = /^(\d{4})-H([12])$/.exec(period))) return t(`period.half${m[2]}`, { y: m[1] });
  if (/^\d{4}$/.test(period)) return t("period.year", { y: period });
  return period || "";
}

// The months a period covers, as [first month, last month] (1-12) of its year.
function monthsOf(period) {
  let m;
  if ((m = /^(\d{4})-(\d{2})$/.exec(period))) return [Number(m[1]), Number(m[2]), Number(m[2])];
  if ((m = /^(\d{4})-Q([1-4])$/.exec(period))) return [Number(m[1]), m[2] * 3 - 2, m[2] * 3];
  if ((m = /^(\d{4})-H([12])$/.exec(period))) return [Number(m[1]), m[2] * 6 - 5, m[2] * 6];
  return [Number(period), 1, 12];
}

// First and last day (YYYY-MM-DD) of a period.
export function periodBounds(period) {
  const [year, first, last] = monthsOf(period);
  const pad = (n) => String(n).padStart(2, "0");
  const lastDay = new Date(Date.UTC(year, last, 0)).getUTCDate();
  return { from: `${year}-${pad(first)}-01`, to: `${year}-${pad(last)}-${pad(lastDay)}` };
}

export function previousMonth(today = todayInVietnam()) {
  const [year, month] = today.split("-").map(Number);
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, "0")}`;
}

// The periods already ended (only those can be reported), most recent first, by kind.
export function recentPeriods(today = todayInVietnam()) {
  const ended = (period) => periodBounds(period).to < today;
  const year = Number(today.slice(0, 4));
  const months = [];
  let month = previousMonth(today);
  for (let i = 0; i < 12; i += 1) {
    months.push(month);
    month = previousMonth(`${month}-01`);
  }
  const quarters = [year, year - 1].flatMap((y) => [4, 3, 2, 1].map((q) => `${y}-Q${q}`)).filter(ended).slice(0, 4);
  const halves = [year, year - 1].flatMap((y) => [`${y}-H2`, `${y}-H1`]).filter(ended).slice(0, 2);
  return { months, quarters, halves, years: [year - 1, year - 2].map(String) };
}

// A select of the recent periods, grouped by kind, with `chosen` selected (added if older).
export function periodSelect(id, chosen, onchange) {
  const groups = recentPeriods();
  const known = Object.values(groups).flat();
  if (chosen && !known.includes(chosen)) groups.months.unshift(chosen);
  return h("select", { id, onchange: (event) => onchange(event.target.value) },
    Object.entries(groups).map(([kind, periods]) => h("optgroup", { label: t(`period.${kind}`) },
      periods.map((p) => h("option", { value: p, selected: p === chosen }, periodLabel(p))))));
}

// Whether the screen a render began for is still the one asked for: a slow answer must not
// draw over the screen the user has moved on to.
export function onScreen() {
  const hash = location.hash;
  return () => location.hash === hash;
}

export function errorText(err) {
  if (err instanceof NetworkError) return t("report.offline");
  return [err.message, ...Object.entries(err.fields || {}).map(([f, m]) => `${f}: ${[].concat(m).join(" ")}`)].join(" ");
}

// A status as a badge with its words (never colour alone); `late` adds its own mark: sent late,
// or not (again) in and past its due date.
export function statusBadges(status, late) {
  return h("span", { class: "status-badges" },
    h("span", { class: `badge status-${status}`, dataset: { status } }, t(`sent.${status}`)),
    late ? h("span", { class: "badge status-late" }, t(status === "submitted" ? "sent.late" : "sent.overdue")) : null);
}

// The measures of a figures document as rows {key, label, value, target, headline}: the frozen
// figures list them so; a progress document has definitions, a totals map and its targets.
export function measureRows(figures) {
  if (!figures) return [];
  const totals = (figures.totals && figures.totals.measures) || figures.measures || [];
  if (Array.isArray(totals) && totals.length && "value" in totals[0]) return totals;
  const targets = Object.fromEntries((figures.targets || []).filter((x) => x.village_id == null && x.commune_id == null)
    .map((x) => [x.measure, x.value]));
  return (figures.measures || []).map((m) => ({ ...m, value: (totals || {})[m.key] ?? 0, target: targets[m.key] ?? null }));
}

// `compact`: the headline measures, the others folded under them (the commune writing its words
// on a phone need not scroll past fifteen rows).
export function figuresTable(figures, { compact = false } = {}) {
  const rows = measureRows(figures);
  if (!rows.length) return h("p", { class: "muted" }, t("report.no_figures"));
  // Each table a region of its own name: scrolled sideways by keyboard, told apart by ear.
  const table = (shown, name = t("report.figures")) => h("div", { class: "table-scroll", tabindex: 0, role: "region", "aria-label": name },
    h("table", { class: "figures-table" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("report.measure")), h("th", { scope: "col" }, t("report.value")),
      h("th", { scope: "col" }, t("report.target")))),
    h("tbody", {}, shown.map((m) => h("tr", { class: m.headline ? "headline" : "", dataset: { measure: m.key } },
      h("th", { scope: "row" }, label(m.label)), h("td", {}, String(m.value ?? "—")),
      h("td", {}, m.target == null ? "—" : String(m.target)))))));
  const others = rows.filter((m) => !m.headline);
  if (!compact || !others.length || others.length === rows.length) return table(rows);
  return [table(rows.filter((m) => m.headline)),
    h("details", { class: "more-figures" }, h("summary", {}, t("report.more_figures", { n: others.length })),
      table(others, t("report.more_figures", { n: others.length })))];
}

// The difficulties still open in the period, as the frozen figures carry them ({type, village,
// fields}), named with the labels of the /forms document.
function difficultiesList(forms, items) {
  if (!Array.isArray(items) || !items.length) return null;
  const text = (d) => {
    const rt = ((forms && forms.types) || []).find((x) => x.type === d.type);
    const fields = Object.entries(d.fields || {}).map(([name, value]) => {
      const field = rt && rt.fields.find((f) => f.name === name);
      const choice = field && (field.choices || []).find((c) => c.value === value);
      return `${field ? label(field.label) : name}: ${choice ? label(choice.label) : [].concat(value).join(", ")}`;
    });
    return [rt ? label(rt.label) : d.type, d.village, ...fields].filter(Boolean).join(" — ");
  };
  return [h("h3", {}, t("report.field_difficulties")), h("ul", { class: "difficulties" }, items.map((d) => h("li", {}, text(d))))];
}

export function narrativeSections(narrative, level = "h3") {
  return ["results", "difficulties", "proposals"].map((part) => h("div", { class: "narrative-part", dataset: { part } },
    h(level, {}, t(`report.${part}`)),
    h("p", { class: "narrative-text" }, (narrative && narrative[part]) || t("report.empty_text"))));
}

async function downloadSubmission(app, doc) {
  try {
    const file = await call("GET", `/reports/submissions/${doc.id}/export?format=xlsx`, undefined, { asFile: true });
    download(file.filename, file.blob);
  } catch (err) {
    app.toast(errorText(err));
  }
}

function metaList(doc) {
  const row = (name, ...value) => [h("dt", {}, t(name)), h("dd", {}, ...value)];
  return h("dl", { class: "report-meta" },
    // Late here means this version was sent after its due date: the due date's line says so.
    row("report.status", statusBadges(doc.status, false)),
    row("report.sent_at", formatDateTime(doc.submitted_at)),
    row("report.sent_by", doc.submitted_by_name || ""),
    row("report.due", formatDate(doc.due_date), doc.late ? ` — ${t("sent.late")}` : ""),
    row("report.version", String(doc.version)));
}

// The province's comment on a returned report, first thing the commune reads.
export function returnNotice(doc) {
  if (doc.status !== "returned" || !doc.return_comment) return null;
  return h("div", { class: "return-notice", id: "return-notice", role: "note" },
    h("h2", {}, t("report.returned_title")),
    h("p", { class: "muted" }, t("report.returned_by", { name: doc.returned_by_name || "", when: formatDateTime(doc.returned_at) })),
    h("p", { class: "return-comment" }, doc.return_comment));
}

// A version's figures and words, loaded when its details are opened.
function earlierVersion(doc, entry) {
  const body = h("div", { class: "version-body" }, h("p", { class: "muted" }, t("report.loading")));
  let loaded = false;
  const details = h("details", { class: "version", dataset: { version: String(entry.version) }, ontoggle: async () => {
    if (!details.open || loaded) return;
    loaded = true;
    try {
      const old = await call("GET", `/reports/submissions/${doc.id}?version=${entry.version}`);
      body.replaceChildren(metaList(old), returnNoticeSmall(old), ...narrativeSections(old.narrative),
        h("h3", {}, t("report.figures")), figuresTable(old.figures));
    } catch (err) {
      loaded = false;
      body.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(err)));
    }
  } }, h("summary", {}, versionLine(entry)), body);
  return details;
}

function returnNoticeSmall(doc) {
  return doc.return_comment ? h("div", { class: "return-notice small" },
    h("p", { class: "muted" }, t("report.returned_by", { name: doc.returned_by_name || "", when: formatDateTime(doc.returned_at) })),
    h("p", { class: "return-comment" }, doc.return_comment)) : null;
}

function versionLine(entry) {
  return [t("report.version_line", { n: entry.version, when: formatDateTime(entry.submitted_at) }),
    entry.late ? ` · ${t("sent.late")}` : "",
    entry.returned_at ? ` · ${t("report.returned_line", { when: formatDateTime(entry.returned_at) })}` : ""].join("");
}

// A sent report: its state, the figures as sent, its words, its versions and its file;
// `actions` go beside the file's button (the province's "Trả lại").
export function submissionView(app, doc, { notice = true, actions = null } = {}) {
  const versions = (doc.versions || []).slice().sort((a, b) => b.version - a.version);
  const earlier = versions.filter((v) => v.version !== doc.version);
  return h("article", { class: "submission", id: "submission", dataset: { id: String(doc.id), version: String(doc.version), status: doc.status } },
    notice ? returnNotice(doc) : null,
    metaList(doc),
    h("div", { class: "actions" }, h("button", { type: "button", id: "submission-xlsx", onclick: () => downloadSubmission(app, doc) },
      t("report.download")), actions),
    h("h2", {}, t("report.words")), narrativeSections(doc.narrative),
    h("h2", {}, t("report.figures")), figuresTable(doc.figures),
    difficultiesList(app.forms, doc.figures && doc.figures.difficulties),
    earlier.length ? [h("h2", {}, t("report.versions")), h("div", { class: "versions", id: "versions" },
      earlier.map((entry) => earlierVersion(doc, entry)))] : null);
}

// A dialog asking to go on; resolves true or false.
export function confirmDialog(message, yes, no) {
  return new Promise((resolve) => {
    const close = (answer) => () => { dialog.close(); dialog.remove(); resolve(answer); };
    const dialog = h("dialog", { class: "ask", id: "confirm-dialog", "aria-labelledby": "confirm-text" },
      h("p", { id: "confirm-text" }, message),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "primary", id: "confirm-yes", onclick: close(true) }, yes),
        h("button", { type: "button", id: "confirm-no", onclick: close(false) }, no)));
    dialog.addEventListener("cancel", () => { dialog.remove(); resolve(false); });
    document.body.append(dialog);
    dialog.showModal();
  });
}
