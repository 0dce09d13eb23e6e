// Progress for police and admin: each target's bar for the commune and its villages (the
// furthest behind first), a weekly trend, the monthly report to download, and for the admin
// a form to set targets. Offline it shows the last figures fetched, with their date.
import { h, replace, download } from "../js/dom.js";
import { t, label, formatDate, formatDateTime } from "../js/i18n.js";
import { call, NetworkError } from "../js/api.js";
import { getMeta, setMeta } from "../js/session.js";
import { todayInVietnam } from "../js/rules.js";
import { dateInput } from "../js/dates.js";
import { typedDate } from "../js/forms.js";
import { barChart } from "./chart.js";

async function loadProgress(period, count) {
  const key = `progress:${period}:${count}`;
  try {
    const progress = await call("GET", `/reports/progress?${new URLSearchParams({ period, count })}`);
    await setMeta(key, progress);
    return { progress, cached: false };
  } catch (err) {
    const progress = err instanceof NetworkError ? await getMeta(key) : null;
    if (!progress) throw err;
    return { progress, cached: true };
  }
}

function targetRow(target, measure, villageName) {
  const percent = target.percent_of_target ?? 0;
  return h("li", { class: `target ${target.met ? "met" : ""}`, dataset: { measure: target.measure } },
    h("span", { class: "target-name" }, `${label(measure.label)} — ${villageName}`),
    h("progress", { max: 100, value: Math.min(percent, 100), "aria-label": label(measure.label) }),
    h("span", { class: "target-figures" }, t("dash.of_target", {
      actual: target.actual ?? "—", value: target.value, percent: Math.round(percent),
      period: `${formatDate(target.counted_from)}–${formatDate(target.counted_to)}` })));
}

function targetForm(app, progress, onSaved) {
  const measure = h("select", { id: "target-measure" }, progress.measures.map((m) => h("option", { value: m.key }, label(m.label))));
  const village = h("select", { id: "target-village" }, h("option", { value: "" }, t("dash.whole_commune")),
    progress.villages.map((v) => h("option", { value: String(v.village_id) }, v.name)));
  const period = h("input", { id: "target-period", value: todayInVietnam().slice(0, 4), inputmode: "numeric",
    "aria-label": t("dash.period") });
  const value = h("input", { id: "target-value", inputmode: "numeric", "aria-label": t("dash.target_value") });
  const message = h("p", { class: "error", role: "alert", id: "target-error" });
  async function save(event) {
    event.preventDefault();
    message.textContent = "";
    try {
      await call("PUT", "/targets", { targets: [{ measure: measure.value, period: period.value.trim(),
        village_id: village.value ? Number(village.value) : null, value: Number(value.value) }] });
      app.toast(t("dash.target_saved"));
      onSaved();
    } catch (err) {
      message.textContent = err instanceof NetworkError ? t("dash.offline") : [err.message,
        ...Object.values(err.fields || {}).flat()].join(" ");
    }
  }
  return h("form", { class: "target-form", id: "target-form", onsubmit: save },
    h("label", { for: "target-measure" }, t("dash.measure")), measure,
    h("label", { for: "target-village" }, t("dash.where")), village,
    h("div", { class: "pair" }, h("label", {}, t("dash.period"), period), h("label", {}, t("dash.target_value"), value)),
    h("p", { class: "help" }, t("dash.period_help")), message,
    h("button", { type: "submit", class: "primary" }, t("dash.set_target")));
}

export async function renderDashboard(container, app, params) {
  const period = params.get("period") || todayInVietnam().slice(0, 7);
  const count = params.get("count") || "approved";
  const reload = (changes) => app.navigate(`#/dashboard?${new URLSearchParams({ period, count, ...changes })}`, true);
  // A month typed as mm/yyyy (a year alone too); the address keeps the period's code.
  const periodProblem = h("span", { class: "error", id: "dash-period-error", "aria-live": "polite" });
  const periodInput = dateInput({ id: "dash-period", "aria-label": t("dash.period"), "aria-describedby": periodProblem.id,
    onchange: () => {
      const typed = typedDate(periodInput, { kind: "partial_date" });
      periodProblem.textContent = typed.problem || "";
      if (typed.iso) reload({ period: typed.iso });
    } }, "month", /^\d{4}-\d{2}$/.test(period) ? period : "");
  const countSelect = h("select", { id: "dash-count", "aria-label": t("dash.count"), onchange: (e) => reload({ count: e.target.value }) },
    ["approved", "submitted_and_approved"].map((c) => h("option", { value: c, selected: c === count }, t(`dash.count_${c}`))));
  const controls = h("div", { class: "filters" }, periodInput, periodProblem, countSelect);
  let loaded;
  try {
    loaded = await loadProgress(period, count);
  } catch (err) {
    replace(container, h("section", {}, h("h1", {}, t("dash.title")), controls,
      h("p", { class: "error", role: "alert" }, err instanceof NetworkError ? t("dash.offline") : err.message)));
    return;
  }
  const { progress, cached } = loaded;
  const measures = Object.fromEntries(progress.measures.map((m) => [m.key, m]));
  const names = Object.fromEntries(progress.villages.map((v) => [v.village_id, v.name]));
  // The commune's targets first, then the villages furthest behind.
  const targets = progress.targets.filter((target) => measures[target.measure])
    .sort((a, b) => (a.village_id !== null) - (b.village_id !== null) || (a.percent_of_target ?? 0) - (b.percent_of_target ?? 0));
  // The village table's columns: the measures the record types mark as headline, in their order.
  const headline = progress.measures.filter((m) => m.headline).map((m) => m.key);
  const counted = progress.measures.filter((m) => m.unit !== "percent");
  const trendMeasure = params.get("trend") || (counted.find((m) => m.headline) || counted[0])?.key;
  const points = progress.trend.series.map((p) => ({ label: formatDate(p.start).slice(0, 5), value: p.measures[trendMeasure] ?? 0 }));
  // Villages with the least done first (by the first headline measure): where the working group should go next.
  const villages = progress.villages.slice().sort((a, b) => (a.measures[headline[0]] ?? 0) - (b.measures[headline[0]] ?? 0));
  const exportFile = (format) => async () => {
    try {
      const file = await call("GET", `/reports/export?${new URLSearchParams({ format, period, count })}`, undefined, { asFile: true });
      download(file.filename, file.blob);
    } catch (err) {
      app.toast(err instanceof NetworkError ? t("dash.offline") : err.message);
    }
  };
  replace(container, h("section", { class: "dashboard", id: "dashboard" },
    h("h1", {}, t("dash.title")),
    controls,
    h("p", { class: cached ? "notice" : "muted", id: "dash-as-of" },
      t(cached ? "dash.cached" : "dash.as_of", { when: formatDateTime(progress.generated_at) }),
      ` · ${formatDate(progress.from)}–${formatDate(progress.to)}`),
    h("h2", {}, t("dash.targets")),
    targets.length ? h("ul", { class: "targets", id: "targets" },
      targets.map((target) => targetRow(target, measures[target.measure],
        target.village_id === null ? t("dash.whole_commune") : names[target.village_id] || "—")))
      : h("p", { class: "muted" }, t("dash.no_targets")),
    h("h2", {}, t("dash.trend")),
    h("select", { "aria-label": t("dash.measure"), id: "trend-measure", onchange: (e) => reload({ trend: e.target.value }) },
      counted.map((m) => h("option", { value: m.key, selected: m.key === trendMeasure }, label(m.label)))),
    barChart(points, label(measures[trendMeasure]?.label)),
    h("h2", { id: "dash-villages" }, t("dash.villages")),
    // One column per headline measure: wider than a phone, so the table scrolls sideways (focusable, to scroll by keyboard).
    h("div", { class: "table-scroll", tabindex: 0, role: "region", "aria-labelledby": "dash-villages" },
    h("table", { class: "village-table" },
      h("thead", {}, h("tr", {}, h("th", {}, t("form.village")), headline.map((key) => h("th", {}, label(measures[key].label))))),
      h("tbody", {}, [...villages, { name: t("dash.whole_commune"), measures: progress.totals.measures, total: true }].map((v) =>
        h("tr", { class: v.total ? "total" : "" }, h("td", {}, v.name), headline.map((key) => h("td", {}, String(v.measures[key] ?? "—")))))))),
    // The report file holds every record's personal data: only for roles that may export it.
    app.can("export") ? [h("h2", {}, t("dash.report")),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "primary", id: "export-xlsx", onclick: exportFile("xlsx") }, t("dash.download_xlsx")),
        h("button", { type: "button", id: "export-csv", onclick: exportFile("csv") }, t("dash.download_csv")))] : null,
    app.can("set_targets") ? [h("h2", {}, t("dash.set_target")), targetForm(app, progress, () => reload({}))] : null));
}
