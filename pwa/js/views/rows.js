// How one record appears in a list: its name, type, village, date and state.
import { h } from "../dom.js";
import { t, label, formatDate } from "../i18n.js";
import { recordType } from "../forms.js";

// A record's title in a list: the person it names, or the values of its type's title fields
// (a choice by its label), or else the type's name.
export function recordTitle(forms, view) {
  const rt = recordType(forms, view.type);
  if (!rt) return view.type;
  const name = rt.name_field ? view.data[rt.name_field] : null;
  if (name) return name;
  const parts = (rt.title_fields || []).map((fieldName) => {
    const field = rt.fields.find((f) => f.name === fieldName);
    const value = view.data[fieldName];
    const choice = field && field.choices ? field.choices.find((c) => c.value === value) : null;
    return choice ? label(choice.label) : value;
  });
  return parts.filter(Boolean).join(" — ") || label(rt.label);
}

// The type's short name, for a list row's details.
export function typeShortLabel(forms, type) {
  const rt = recordType(forms, type);
  return rt ? label(rt.short_label || rt.label) : type;
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
        typeShortLabel(app.forms, view.type)].join(" · ")),
      stateBadge(view.state)));
}
