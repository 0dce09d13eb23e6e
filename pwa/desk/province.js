// The province's screens (province officer and admin): the board of a period's reports, one row
// per commune, best first; a commune's report, to read and return with a comment; and for the
// province admin the report deadlines and the targets of the province and each commune.
import { h, replace, download } from "../js/dom.js";
import { t, label, formatDate, formatDateTime } from "../js/i18n.js";
import { call, NetworkError } from "../js/api.js";
import { getMeta, setMeta } from "../js/session.js";
import { dateInput } from "../js/dates.js";
import { typedDate } from "../js/forms.js";
import {
  periodLabel, previousMonth, periodSelect, errorText, statusBadges, submissionView, onScreen,
} from "./reports.js";

function failed(container, title, err) {
  replace(container, h("section", {}, h("h1", {}, title), h("p", { class: "error", role: "alert" }, errorText(err))));
}

// What the board's line above the table counts.
function summary(communes) {
  const count = (test) => communes.filter(test).length;
  return t("board.summary", {
    on_time: count((c) => c.status === "submitted" && !c.late), late: count((c) => c.status === "submitted" && c.late),
    missing: count((c) => c.status === "missing"), returned: count((c) => c.status === "returned"),
  });
}

// A measure's cell: value / target and a bar of the share reached. `data-label` names it when a
// phone shows each row as a card.
// The period's figure; beside a target, what was reached since the target's own start (a
// year's target in November: January to November) over the target.
function measureCell(measure, value, target, towards) {
  const attrs = { class: "measure", dataset: { label: label(measure.label), measure: measure.key } };
  if (target == null || !target) return h("td", attrs, String(value ?? 0));
  const reached = towards ?? value ?? 0;
  const share = Math.round((100 * reached) / target);
  return h("td", attrs, h("span", {}, `${value ?? 0}`),
    h("span", { class: "muted towards" }, t("board.towards", { reached, target })),
    h("progress", { max: 100, value: Math.min(share, 100), "aria-label": `${share}%` }));
}

export async function renderBoard(container, app, params) {
  const period = params.get("period") || previousMonth();
  const shown = onScreen();
  const title = t("board.title");
  const select = periodSelect("board-period", period, (value) => app.navigate(`#/board?period=${encodeURIComponent(value)}`, true));
  // Offline, the board of this period as last fetched, marked with its time.
  const key = `board:${period}`;
  let loaded;
  try {
    const [rollup, submissions] = await Promise.all([call("GET", `/reports/rollup?period=${encodeURIComponent(period)}`),
      call("GET", `/reports/submissions?period=${encodeURIComponent(period)}`)]);
    loaded = { rollup, submissions, at: new Date().toISOString() };
    await setMeta(key, loaded);
  } catch (err) {
    loaded = err instanceof NetworkError ? await getMeta(key) : null;
    if (!loaded) {
      if (!shown()) return;
      failed(container, title, err);
      container.firstChild.append(select);
      return;
    }
    loaded.cached = true;
  }
  if (!shown()) return;
  const { rollup, submissions } = loaded;
  const sent = Object.fromEntries((submissions.items || []).map((s) => [s.commune_id, s]));
  const communes = rollup.communes.map((c) => ({ ...sent[c.commune_id], ...c, submission: sent[c.commune_id] || {} }));
  const headline = (rollup.measures || []).filter((m) => m.headline);
  const due = rollup.due_date || submissions.due_date;
  const open = (c) => c.submission.submission_id && app.navigate(`#/board/${c.submission.submission_id}?period=${encodeURIComponent(period)}`);
  const exportRollup = async () => {
    try {
      const file = await call("GET", `/reports/rollup/export?${new URLSearchParams({ period, format: "xlsx" })}`, undefined, { asFile: true });
      download(file.filename, file.blob);
    } catch (err) {
      app.toast(errorText(err));
    }
  };
  const row = (c, index) => {
    const id = c.submission.submission_id;
    const name = id ? h("a", { href: `#/board/${id}?period=${encodeURIComponent(period)}`, "aria-label": t("board.open", { name: c.commune_name }) },
      c.commune_name) : c.commune_name;
    return h("tr", { class: id ? "openable" : "", dataset: { commune: String(c.commune_id), status: c.status },
      onclick: (event) => { if (event.target.tagName !== "A") open(c); } },
    h("th", { scope: "row" }, h("span", { class: "rank", title: t("board.rank") }, `${index + 1}.`), " ", name),
    h("td", { dataset: { label: t("report.status") } }, statusBadges(c.status, c.late)),
    h("td", { dataset: { label: t("board.sent") } }, c.submission.submitted_at ? formatDate(c.submission.submitted_at) : "—"),
    headline.map((m) => measureCell(m, (c.measures || {})[m.key], (c.targets || {})[m.key], (c.towards_targets || {})[m.key])));
  };
  replace(container, h("section", { class: "board", id: "board", dataset: { period } },
    h("h1", {}, title),
    h("div", { class: "board-controls" }, h("label", { for: "board-period" }, t("period.label")), select,
      h("button", { type: "button", id: "rollup-xlsx", onclick: exportRollup }, t("board.download"))),
    h("p", { class: "muted" }, rollup.province ? rollup.province.name : "", due ? ` · ${t("board.due", { date: formatDate(due) })}` : ""),
    loaded.cached ? h("p", { class: "notice", id: "board-cached" }, t("dash.cached", { when: formatDateTime(loaded.at) })) : null,
    h("p", { class: "board-summary", id: "board-summary", role: "status" }, summary(communes)),
    communes.length ? h("div", { class: "table-scroll board-scroll", tabindex: 0, role: "region", "aria-labelledby": "board-caption" },
      h("table", { class: "board-table", id: "board-table" },
        h("caption", { id: "board-caption", class: "visually-hidden" }, t("board.title"), " — ", periodLabel(period)),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("board.commune")), h("th", { scope: "col" }, t("report.status")),
          h("th", { scope: "col" }, t("board.sent")), headline.map((m) => h("th", { scope: "col" }, label(m.label))))),
        h("tbody", {}, communes.map(row)),
        h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, t("board.province_total")), h("td", {}), h("td", {}),
          headline.map((m) => measureCell(m, m.value, m.target))))))
      : h("p", { class: "muted" }, t("board.no_communes"))));
}

// One commune's report, as the province reads it, with "Trả lại".
export async function renderReport(container, app, id, params) {
  const period = params.get("period");
  const shown = onScreen();
  const back = h("a", { class: "back", href: period ? `#/board?period=${encodeURIComponent(period)}` : "#/" }, t("board.back"));
  let doc;
  try {
    doc = await call("GET", `/reports/submissions/${encodeURIComponent(id)}`);
  } catch (err) {
    if (!shown()) return;
    failed(container, t("board.title"), err);
    container.firstChild.prepend(back);
    return;
  }
  if (!shown()) return;
  const live = h("p", { class: "visually-hidden", role: "status", id: "report-live" });
  const returning = h("div", { id: "return-box", class: "return-box" });
  const startReturn = () => {
    const comment = h("textarea", { id: "return-comment", rows: 4, required: true });
    const message = h("p", { class: "error", role: "alert", id: "return-error" });
    const submit = async (event) => {
      event.preventDefault();
      message.textContent = "";
      if (!comment.value.trim()) {
        message.textContent = t("board.return_needs");
        comment.focus();
        return;
      }
      try {
        await call("POST", `/reports/submissions/${doc.id}/return`, { comment: comment.value.trim() });
        app.toast(t("board.returned", { name: doc.commune_name }));
        app.navigate(`#/board/${doc.id}?${new URLSearchParams({ period: doc.period, returned: "1" })}`, true);
      } catch (err) {
        message.textContent = errorText(err);
      }
    };
    replace(returning, h("form", { id: "return-form", class: "return-form", onsubmit: submit },
      h("label", { for: "return-comment" }, t("board.return_comment")), comment, message,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "danger", id: "confirm-return" }, t("board.return_confirm")),
        h("button", { type: "button", onclick: () => replace(returning, returnButton) }, t("upward.cancel")))));
    comment.focus();
  };
  const returnButton = h("button", { type: "button", class: "danger", id: "return-report", onclick: startReturn }, t("board.return"));
  if (doc.status === "submitted") replace(returning, returnButton);
  if (params.get("returned")) live.textContent = t("board.returned", { name: doc.commune_name });
  replace(container, h("section", { class: "province-report", id: "province-report" }, back,
    h("h1", {}, t("board.report_of", { name: doc.commune_name, period: periodLabel(doc.period) })), live,
    submissionView(app, doc, { actions: returning })));
}

// ---------------------------------------------------------------------------------------------
// Deadlines and targets (province admin)

function savedForm(id, children, submitLabel, submit, app) {
  const message = h("p", { class: "error", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, submitLabel);
  return h("form", { id, class: "plan-form", onsubmit: async (event) => {
    event.preventDefault();
    message.textContent = "";
    button.disabled = true;
    try {
      await submit();
      app.toast(t("plan.saved"));
    } catch (err) {
      message.textContent = errorText(err);
    } finally {
      button.disabled = false;
    }
  } }, children, message, button);
}

function deadlinesForm(app, deadlines, reload) {
  const day = h("input", { id: "due-day", type: "number", min: 1, max: 28, inputmode: "numeric", value: String(deadlines.report_due_day ?? "") });
  const periods = (deadlines.periods || []).slice();
  // The server keeps a period's deadline until told to drop it (due_date null).
  const removed = new Set();
  const list = h("ul", { class: "plan-list", id: "period-deadlines" });
  const draw = () => replace(list, periods.length ? periods.map((p, i) => h("li", {},
    h("span", {}, `${periodLabel(p.period)}: ${formatDate(p.due_date)}`),
    h("button", { type: "button", class: "link danger", onclick: () => { removed.add(p.period); periods.splice(i, 1); draw(); } }, t("plan.remove"))))
    : h("li", { class: "muted" }, t("plan.no_period_deadlines")));
  draw();
  const newPeriod = periodSelect("deadline-period", previousMonth(), () => {});
  const newDate = dateInput({ id: "deadline-date", "aria-describedby": "deadline-error" });
  const dateError = h("p", { class: "error", id: "deadline-error", role: "alert" });
  const add = h("button", { type: "button", id: "add-deadline", onclick: () => {
    const { iso, problem } = typedDate(newDate);
    dateError.textContent = problem || (iso ? "" : t("v.date_format"));
    if (dateError.textContent) return;
    const at = periods.findIndex((p) => p.period === newPeriod.value);
    if (at >= 0) periods.splice(at, 1);
    removed.delete(newPeriod.value);
    periods.push({ period: newPeriod.value, due_date: iso });
    newDate.value = "";
    draw();
  } }, t("plan.add_deadline"));
  return savedForm("deadlines-form", [
    h("label", { for: "due-day" }, t("plan.due_day")), day, h("p", { class: "help" }, t("plan.due_help")),
    h("h3", {}, t("plan.period_deadlines")), list,
    h("div", { class: "pair" }, h("div", {}, h("label", { for: "deadline-period" }, t("period.label")), newPeriod),
      h("div", {}, h("label", { for: "deadline-date" }, t("plan.due_date")), newDate)), dateError, add,
  ], t("plan.save_deadlines"), async () => {
    await call("PUT", "/province/deadlines", { report_due_day: Number(day.value),
      periods: [...periods, ...[...removed].map((period) => ({ period, due_date: null }))] });
    reload();
  }, app);
}

function targetsSection(app, targets, measures, communes, reload) {
  const names = Object.fromEntries(communes.map((c) => [c.commune_id, c.commune_name]));
  const measureLabels = Object.fromEntries(measures.map((m) => [m.key, label(m.label)]));
  const items = (targets.items || []).slice().sort((a, b) => String(b.period).localeCompare(String(a.period))
    || (a.commune_id ?? 0) - (b.commune_id ?? 0));
  const measure = h("select", { id: "plan-measure" }, measures.map((m) => h("option", { value: m.key }, label(m.label))));
  const where = h("select", { id: "plan-where" }, h("option", { value: "" }, t("board.province_total")),
    communes.map((c) => h("option", { value: String(c.commune_id) }, c.commune_name)));
  const period = h("input", { id: "plan-period", value: new Date().getFullYear().toString(), inputmode: "numeric" });
  const value = h("input", { id: "plan-value", type: "number", min: 0, inputmode: "numeric" });
  const put = (item) => call("PUT", "/province/targets", { items: [item] });
  return [
    items.length ? h("div", { class: "table-scroll", tabindex: 0, role: "region", "aria-label": t("plan.targets") },
      h("table", { class: "admin-table", id: "targets-table" },
      h("thead", {}, h("tr", {}, [t("report.measure"), t("period.label"), t("plan.where"), t("plan.value")].map((text) => h("th", { scope: "col" }, text)),
        h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("plan.clear_target"))))),
      h("tbody", {}, items.map((item) => h("tr", {},
        h("td", {}, measureLabels[item.measure] || item.measure), h("td", {}, periodLabel(item.period)),
        h("td", {}, item.commune_id == null ? t("board.province_total") : names[item.commune_id] || `#${item.commune_id}`),
        h("td", {}, String(item.value)),
        h("td", {}, h("button", { type: "button", class: "link danger", onclick: async () => {
          try {
            await put({ ...item, value: null });
            reload();
          } catch (err) {
            app.toast(errorText(err));
          }
        } }, t("plan.clear_target"))))))))
      : h("p", { class: "muted" }, t("plan.no_targets")),
    savedForm("target-form", [
      h("label", { for: "plan-measure" }, t("report.measure")), measure,
      h("label", { for: "plan-where" }, t("plan.where")), where,
      h("div", { class: "pair" }, h("div", {}, h("label", { for: "plan-period" }, t("period.label")), period),
        h("div", {}, h("label", { for: "plan-value" }, t("plan.value")), value)),
      h("p", { class: "help" }, t("plan.period_help")),
    ], t("plan.set_target"), async () => {
      await put({ measure: measure.value, period: period.value.trim(), value: Number(value.value),
        commune_id: where.value ? Number(where.value) : null });
      reload();
    }, app),
  ];
}

export async function renderPlan(container, app) {
  const title = t("plan.title");
  const reload = () => app.navigate("#/plan", true);
  const shown = onScreen();
  let deadlines;
  let targets;
  let rollup;
  try {
    [deadlines, targets, rollup] = await Promise.all([call("GET", "/province/deadlines"), call("GET", "/province/targets"),
      call("GET", `/reports/rollup?period=${previousMonth()}`)]);
  } catch (err) {
    if (shown()) failed(container, title, err);
    return;
  }
  if (!shown()) return;
  replace(container, h("section", { class: "plan", id: "plan" }, h("h1", {}, title),
    h("h2", {}, t("plan.deadlines")), deadlinesForm(app, deadlines, reload),
    h("h2", {}, t("plan.targets")), targetsSection(app, targets, targets.measures || rollup.measures || [], rollup.communes || [], reload)));
}
