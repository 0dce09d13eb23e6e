// Administration for the commune's working group: users (create, role and villages, disable,
// reset password), villages, devices (last sync, unsent count, revoke) and the audit log.
import { h, replace } from "../js/dom.js";
import { t, formatDateTime } from "../js/i18n.js";
import { call, NetworkError } from "../js/api.js";
import { roleLabel } from "../js/forms.js";

const TABS = ["users", "villages", "devices", "audit"];

export function errorText(err) {
  if (err instanceof NetworkError) return t("dash.offline");
  return [err.message, ...Object.entries(err.fields || {}).map(([f, m]) => `${f}: ${[].concat(m).join(" ")}`)].join(" ");
}

// A small form: fields by name → element; `submit` gets their values; errors show under it.
export function form(id, rows, submitLabel, submit) {
  const message = h("p", { class: "error", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, submitLabel);
  return h("form", { id, class: "admin-form", onsubmit: async (event) => {
    event.preventDefault();
    message.textContent = "";
    button.disabled = true;
    try {
      await submit();
    } catch (err) {
      message.textContent = errorText(err);
    } finally {
      button.disabled = false;
    }
  } }, rows, message, button);
}

function villageChecks(villages, chosen, name) {
  return h("div", { class: "choices" }, villages.map((v) => h("label", { class: "choice" },
    h("input", { type: "checkbox", name, value: String(v.id), checked: chosen.includes(v.id) }), v.name)));
}

function checked(root, name) {
  return [...root.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => Number(i.value));
}

async function usersTab(app, reload) {
  const [users, villages] = await Promise.all([call("GET", "/users"), call("GET", "/villages")]);
  const names = Object.fromEntries(villages.map((v) => [v.id, v.name]));
  const input = (id, attrs = {}) => h("input", { id, ...attrs });
  const username = input("new-username", { autocapitalize: "none", required: true });
  const fullName = input("new-full-name", { required: true });
  const password = input("new-password", { type: "password", autocomplete: "new-password", minlength: 8, required: true });
  const roles = app.forms.roles.map((r) => r.code);
  const role = h("select", { id: "new-role" }, roles.map((r) => h("option", { value: r }, roleLabel(app.forms, r))));
  const newVillages = villageChecks(villages.filter((v) => v.active), [], "new-villages");
  const create = form("user-form", [
    h("label", { for: "new-username" }, t("admin.username")), username,
    h("label", { for: "new-full-name" }, t("admin.full_name")), fullName,
    h("label", { for: "new-password" }, t("admin.password")), password,
    h("label", { for: "new-role" }, t("settings.role")), role,
    h("span", { class: "label" }, t("admin.villages")), newVillages], t("admin.create_user"), async () => {
    await call("POST", "/users", { username: username.value.trim(), full_name: fullName.value.trim(), password: password.value,
      role: role.value, village_ids: checked(newVillages, "new-villages") });
    app.toast(t("admin.saved"));
    reload();
  });

  const editor = (user) => {
    const editRole = h("select", { "aria-label": t("settings.role") }, roles.map((r) => h("option", { value: r, selected: r === user.role }, roleLabel(app.forms, r))));
    const editVillages = villageChecks(villages, user.village_ids, `villages-${user.id}`);
    const newPassword = h("input", { type: "password", autocomplete: "new-password", minlength: 8, placeholder: t("admin.new_password"),
      "aria-label": t("admin.new_password") });
    return form(`user-${user.id}`, [editRole, editVillages, newPassword,
      h("label", { class: "inline" }, h("input", { type: "checkbox", name: "active", checked: user.active }), t("admin.active"))],
    t("admin.save"), async () => {
      const root = document.getElementById(`user-${user.id}`);
      const changes = { role: editRole.value, village_ids: checked(root, `villages-${user.id}`),
        active: root.querySelector('input[name="active"]').checked };
      if (newPassword.value) changes.password = newPassword.value;
      await call("PATCH", `/users/${user.id}`, changes);
      app.toast(t("admin.saved"));
      reload();
    });
  };
  return [
    h("ul", { class: "admin-list", id: "user-list" }, users.map((user) => h("li", { dataset: { id: String(user.id) }, class: user.active ? "" : "inactive" },
      h("details", {}, h("summary", {}, h("strong", {}, user.full_name), ` (${user.username}) · ${roleLabel(app.forms, user.role)}`,
        user.village_ids.length ? ` · ${user.village_ids.map((id) => names[id]).join(", ")}` : "",
        user.active ? "" : ` · ${t("admin.disabled")}`), editor(user))))),
    h("h2", {}, t("admin.create_user")), create];
}

// A village's kind and its name before its commune merged ("Thôn 1" of two old communes).
function villageFields(village, prefix) {
  const kind = h("select", { id: `${prefix}-kind` }, ["thon", "to_dan_pho"].map((k) =>
    h("option", { value: k, selected: k === village.kind }, t(`admin.kind_${k}`))));
  const former = h("input", { id: `${prefix}-former`, value: village.former_name || "", maxlength: 200 });
  return { fields: [h("label", { for: kind.id }, t("admin.village_kind")), kind, h("label", { for: former.id }, t("admin.former_name")), former],
    values: () => ({ kind: kind.value, former_name: former.value.trim() || null }) };
}

async function villagesTab(app, reload) {
  const villages = await call("GET", "/villages");
  const name = h("input", { id: "new-village", required: true, "aria-label": t("admin.village_name") });
  const added = villageFields({ kind: "thon" }, "new-village");
  return [
    h("ul", { class: "admin-list", id: "village-list" }, villages.map((village) => {
      const rename = h("input", { value: village.name, "aria-label": t("admin.village_name") });
      const active = h("input", { type: "checkbox", checked: village.active });
      const more = villageFields(village, `village-${village.id}`);
      return h("li", { dataset: { id: String(village.id) } },
        village.former_name ? h("p", { class: "muted former-name" }, t("admin.formerly", { name: village.former_name })) : null,
        form(`village-${village.id}`, [rename, ...more.fields, h("label", { class: "inline" }, active, t("admin.active"))],
          t("admin.save"), async () => {
            await call("PATCH", `/villages/${village.id}`, { name: rename.value.trim(), ...more.values(), active: active.checked });
            app.toast(t("admin.saved"));
            reload();
          }));
    })),
    h("h2", {}, t("admin.add_village")),
    form("village-form", [name, ...added.fields], t("admin.add_village"), async () => {
      await call("POST", "/villages", { name: name.value.trim(), ...added.values() });
      app.toast(t("admin.saved"));
      reload();
    })];
}

async function devicesTab(app, reload) {
  const devices = await call("GET", "/devices");
  const revoke = (device) => async () => {
    if (!confirm(t("admin.revoke_confirm", { name: device.owner.full_name || device.owner.username }))) return;
    try {
      await call("POST", `/devices/${encodeURIComponent(device.device_id)}/revoke`);
      reload();
    } catch (err) {
      app.toast(errorText(err));
    }
  };
  return h("ul", { class: "admin-list", id: "device-list" }, devices.map((device) => h("li", {
    dataset: { id: device.device_id }, class: device.revoked ? "inactive" : "" },
  h("strong", {}, device.owner.full_name || device.owner.username),
  h("p", { class: "muted mono device-name" }, `${device.device_id.slice(0, 8)} · ${(device.name || "").slice(0, 60)}`),
  h("p", {}, t("admin.device_state", { when: device.last_sync_at ? formatDateTime(device.last_sync_at) : "—",
    version: device.app_version || "—", unsent: device.pending_count ?? "—" })),
  device.revoked ? h("p", { class: "warning" }, t("admin.revoked"))
    : h("button", { type: "button", class: "danger", onclick: revoke(device) }, t("admin.revoke")))));
}

async function auditTab(app, params) {
  const filters = { user_id: params.get("user_id") || "", action: params.get("action") || "", target_id: params.get("target_id") || "" };
  const page = Number(params.get("page") || 1);
  const [users, result] = await Promise.all([call("GET", "/users"),
    call("GET", `/audit?${new URLSearchParams(Object.entries({ ...filters, page, per_page: 50 }).filter(([, v]) => v !== ""))}`)]);
  const names = Object.fromEntries(users.map((u) => [u.id, u.full_name]));
  const go = (changes) => app.navigate(`#/admin/audit?${new URLSearchParams(Object.entries({ ...filters, ...changes })
    .filter(([, v]) => v !== ""))}`, true);
  const target = h("input", { id: "audit-target", value: filters.target_id, placeholder: t("admin.audit_target"), "aria-label": t("admin.audit_target") });
  target.addEventListener("change", () => go({ target_id: target.value.trim() }));
  return [
    h("div", { class: "filters" },
      h("select", { id: "audit-user", "aria-label": t("admin.user"), onchange: (e) => go({ user_id: e.target.value }) },
        h("option", { value: "" }, t("admin.all_users")), users.map((u) => h("option", { value: String(u.id), selected: String(u.id) === filters.user_id }, u.full_name))),
      h("input", { id: "audit-action", value: filters.action, placeholder: t("admin.audit_action"), "aria-label": t("admin.audit_action"),
        onchange: (e) => go({ action: e.target.value.trim() }) }),
      target),
    // Wider than a phone: it scrolls sideways, so it takes the focus, to scroll by keyboard.
    h("div", { class: "table-scroll", tabindex: 0, role: "region", "aria-label": t("admin.tab_audit") },
    h("table", { class: "admin-table", id: "audit-table" },
      h("thead", {}, h("tr", {}, ["admin.when", "admin.user", "admin.audit_action", "admin.audit_target"].map((key) => h("th", {}, t(key))))),
      h("tbody", {}, result.items.map((entry) => h("tr", {},
        h("td", {}, formatDateTime(entry.at)), h("td", {}, names[entry.user_id] || (entry.user_id ? `#${entry.user_id}` : "—")),
        h("td", { class: "mono" }, entry.action), h("td", { class: "mono" }, [entry.target_type, entry.target_id].filter(Boolean).join(" "))))))),
    h("div", { class: "pager" },
      h("button", { type: "button", disabled: page <= 1, onclick: () => go({ page: String(page - 1) }) }, "‹"),
      h("span", {}, t("queue.page", { page, pages: Math.max(1, Math.ceil(result.total / 50)) })),
      h("button", { type: "button", disabled: page * 50 >= result.total, onclick: () => go({ page: String(page + 1) }) }, "›"))];
}

export async function renderAdmin(container, app, tab, params) {
  tab = TABS.includes(tab) ? tab : "users";
  const reload = () => app.navigate(location.hash, true);
  let body;
  try {
    body = tab === "users" ? await usersTab(app, reload) : tab === "villages" ? await villagesTab(app, reload)
      : tab === "devices" ? await devicesTab(app, reload) : await auditTab(app, params);
  } catch (err) {
    body = h("p", { class: "error", role: "alert" }, errorText(err));
  }
  replace(container, h("section", { class: "admin", id: `admin-${tab}` },
    h("h1", {}, t("admin.title")),
    h("nav", { class: "tabs" }, TABS.map((name) => h("a", { href: `#/admin/${name}`, class: name === tab ? "active" : "" }, t(`admin.tab_${name}`)))),
    body));
}
