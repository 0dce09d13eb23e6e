// Conflicts, for the admin: the open ones, and for one of them each field's base, server
// and device values side by side; the admin picks per field, and the choice becomes a new
// version every device pulls. Nothing either side wrote is lost before someone chooses.
import { h, replace } from "../js/dom.js";
import { t, label, formatDateTime } from "../js/i18n.js";
import { call, ApiError, NetworkError } from "../js/api.js";
import { recordType, typedDate } from "../js/forms.js";
import { dateInput, precisionOf } from "../js/dates.js";
import { formatValue } from "../js/views/record.js";
import { recordTitle } from "../js/views/rows.js";

function failure(container, err) {
  replace(container, h("p", { class: "error", role: "alert" }, err instanceof NetworkError ? t("dash.offline") : err.message));
}

// A field's label without knowing the record's type: names mean the same in every type.
function fieldLabel(app, name) {
  const field = app.forms.types.flatMap((rt) => rt.fields).find((f) => f.name === name);
  return field ? label(field.label) : name;
}

export async function renderConflicts(container, app, params) {
  const state = params.get("state") || "open";
  let result;
  try {
    result = await call("GET", `/conflicts?${new URLSearchParams({ state, per_page: "100" })}`);
  } catch (err) {
    failure(container, err);
    return;
  }
  replace(container, h("section", { class: "conflicts", id: "conflicts" },
    h("h1", {}, t("conflicts.title")),
    h("div", { class: "choices", role: "radiogroup" }, ["open", "resolved"].map((s) => h("label", { class: "choice" },
      h("input", { type: "radio", name: "conflict-state", checked: s === state,
        onchange: () => app.navigate(`#/conflicts?state=${s}`, true) }), t(`conflicts.${s}`)))),
    result.items.length ? h("ul", { class: "record-list", id: "conflict-list" }, result.items.map((conflict) =>
      h("li", { class: "record-row", dataset: { id: conflict.id } }, h("a", { href: `#/conflicts/${conflict.id}` },
        h("span", { class: "row-title" }, t("conflicts.fields", { fields: conflict.fields.map((name) => fieldLabel(app, name)).join(", ") })),
        h("span", { class: "row-meta" }, formatDateTime(conflict.opened_at)),
        h("span", { class: `badge state-${conflict.state === "open" ? "conflict" : "approved"}` }, t(`conflicts.${conflict.state}`))))))
      : h("p", { class: "empty" }, t("conflicts.none"))));
}

export async function renderConflict(container, app, id) {
  let conflict;
  try {
    conflict = await call("GET", `/conflicts/${encodeURIComponent(id)}`);
  } catch (err) {
    failure(container, err);
    return;
  }
  const rt = recordType(app.forms, conflict.record.type);
  const fields = Object.fromEntries(rt.fields.map((f) => [f.name, f]));
  const open = conflict.state === "open";
  const pickers = {};
  // One card per field, its values side by side (stacked on a phone): base, server, device,
  // and for a conflicting field a choice among them or an edited value.
  const rows = conflict.fields.map((item) => {
    const field = fields[item.name] || { name: item.name, kind: "text", label: { vi: item.name, en: item.name } };
    const group = `pick-${item.name}`;
    const choosing = item.conflicting && open;
    const attrs = { id: `edit-${item.name}`, "aria-label": t("conflicts.edited") };
    // A date is edited as dd/mm/yyyy (mm/yyyy, yyyy), at the precision the device wrote.
    const edited = ["date", "partial_date"].includes(field.kind) ? dateInput(attrs, precisionOf(item.device), item.device ?? "")
      : h("input", { ...attrs, type: "text",
        value: item.device == null ? "" : typeof item.device === "object" ? JSON.stringify(item.device) : String(item.device) });
    if (choosing) pickers[item.name] = { field, item, edited, group };
    // No choice is made for the admin: each conflicting field needs a deliberate pick.
    const option = (choice, content) => {
      const pickable = choosing && choice !== "base";
      return h(pickable ? "label" : "div", { class: `option ${choice}` },
        pickable ? h("input", { type: "radio", name: group, value: choice }) : null,
        // The value in an element of its own: a bare text node would be laid out as a grid
        // cell of its own, beside the name instead of under it.
        h("span", { class: "option-name" }, t(`conflicts.${choice}`)), h("span", { class: "option-value" }, content));
    };
    return h("div", { class: `conflict-field ${item.conflicting ? "conflicting" : ""}`, dataset: { field: item.name } },
      h("h2", {}, label(field.label)),
      h("div", { class: "options" },
        option("base", formatValue(field, item.base)),
        option("server", formatValue(field, item.server)),
        option("device", formatValue(field, item.device)),
        choosing ? option("edited", edited) : null));
  });
  const message = h("p", { class: "error", role: "alert", id: "resolve-error" });

  // An edited value is typed text: turn it into what the field holds (number, list, ISO date…).
  function editedValue(field, edited) {
    const text = edited.value.trim();
    if (edited.dataset.precision) {
      const typed = typedDate(edited, field);
      if (typed.problem) throw new Error(typed.problem);
      return typed.iso;
    }
    if (["integer", "year"].includes(field.kind) || typeof field.choices?.[0]?.value === "number") return Number(text);
    if (field.kind === "multi_choice") return JSON.parse(text);
    if (field.kind === "boolean") return text === "true";
    return text;
  }

  async function resolve(event) {
    event.preventDefault();
    message.textContent = "";
    const values = {};
    for (const [name, { field, item, edited, group }] of Object.entries(pickers)) {
      const picked = container.querySelector(`input[name="${group}"]:checked`);
      if (!picked) {
        message.textContent = t("conflicts.pick_every", { field: label(field.label) });
        return;
      }
      try {
        values[name] = picked.value === "server" ? item.server : picked.value === "device" ? item.device : editedValue(field, edited);
      } catch {
        message.textContent = t("conflicts.bad_edit", { field: label(field.label) });
        return;
      }
    }
    try {
      await call("POST", `/conflicts/${encodeURIComponent(id)}/resolve`, { base_version: conflict.record.version, values });
      app.toast(t("conflicts.resolved_toast"));
      app.navigate("#/conflicts", true);
    } catch (err) {
      if (err instanceof ApiError && err.code === "stale_version") {
        app.toast(t("conflicts.stale"));
        await renderConflict(container, app, id);
        return;
      }
      message.textContent = err instanceof NetworkError ? t("dash.offline")
        : [err.message, ...Object.entries(err.fields || {}).map(([f, m]) => `${label(fields[f]?.label) || f}: ${[].concat(m).join(" ")}`)].join(" ");
    }
  }

  replace(container, h("section", { class: "conflict", id: "conflict", dataset: { id: conflict.id, state: conflict.state } },
    h("a", { href: "#/conflicts", class: "back" }, t("conflicts.back")),
    h("p", { class: "type-name" }, label(rt.label)),
    h("h1", {}, recordTitle(app.forms, conflict.record)),
    h("p", { class: "muted" }, t("conflicts.who", { name: conflict.user.full_name || conflict.user.username,
      when: formatDateTime(conflict.opened_at), version: conflict.base_version })),
    h("form", { onsubmit: resolve, id: "resolve-form" },
      rows,
      conflict.resolution ? h("p", { class: "notice", id: "resolution" }, t("conflicts.resolved_by", {
        name: conflict.resolver ? conflict.resolver.full_name : "—", when: formatDateTime(conflict.resolved_at) })) : null,
      message,
      open ? h("button", { type: "submit", class: "primary big", id: "resolve" }, t("conflicts.resolve")) : null)));
}
