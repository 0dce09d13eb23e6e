// How one record appears in a list: its name, type, village, date and state.
import { h } from "../dom.js";
import { t, label, formatDate } from "../i18n.js";
import { recordType } from "../forms.js";

export function recordTitle(forms, view) {
  const rt = recordType(forms, view.type);
  const name = rt && rt.name_field ? view.data[rt.name_field] : null;
  if (name) return name;
  if (view.type === "propaganda_session") {
    const form = rt.fields.find((f) => f.name === "form").choices.find((c) => c.value === view.data.form);
    // The place first: it is what tells one village's sessions apart.
    return [view.data.location, form ? label(form.label) : null].filter(Boolean).join(" — ") || label(rt.label);
  }
  return rt ? label(rt.label) : view.type;
}

export function recordDate(forms, view) {
  const rt = recordType(forms, view.type);
  return (rt && rt.date_field && view.data[rt.date_field]) || (view.created_at || "").slice(0, 10);
}

export function stateBadge(state) {
  return h("span", { class: `badge state-${state}`, dataset: { state } }, t(`state.${state}`));
}

export function villageName(session, id) {
  const village = session.user.villages.find((v) => v.id === id);
  return village ? village.name : t("records.village_n", { id });
}

export function recordRow(app, view) {
  return h("li", { class: "record-row", dataset: { id: view.id, state: view.state } },
    h("a", { href: `#/record/${view.id}` },
      h("span", { class: "row-title" }, recordTitle(app.forms, view)),
      h("span", { class: "row-meta" }, [formatDate(recordDate(app.forms, view)), villageName(app.session, view.village_id),
        t(`type.${view.type}`)].join(" · ")),
      stateBadge(view.state)));
}
