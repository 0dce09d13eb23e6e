// The province's communes: those opened in the app with their admins (and, for the province
// admin, a form to add one), and the official list to search and open a commune from.
import { h, replace } from "../js/dom.js";
import { t } from "../js/i18n.js";
import { call } from "../js/api.js";
import { form, errorText } from "./admin.js";

function adminForm(app, commune, reload) {
  const id = (name) => `ca-${commune.id}-${name}`;
  const input = (name, attrs) => h("input", { id: id(name), name, required: true, ...attrs });
  const fields = [input("username", { autocapitalize: "none", autocomplete: "off", pattern: "[a-z0-9._\\-]{3,80}" }),
    input("full_name", {}), input("password", { type: "password", autocomplete: "new-password", minlength: 8 })];
  const labels = ["admin.username", "admin.full_name", "admin.password"];
  return form(`admin-form-${commune.id}`, fields.map((field, i) => [h("label", { for: field.id }, t(labels[i])), field]),
    t("communes.add_admin"), async () => {
      const [username, fullName, password] = fields.map((f) => f.value);
      await call("POST", `/communes/${commune.id}/admins`, { username: username.trim(), full_name: fullName.trim(), password });
      app.toast(t("communes.admin_added", { name: username.trim() }));
      reload();
    });
}

function communeItem(app, commune, reload) {
  const admins = commune.admins.map((a) => `${a.full_name} (${a.username})`).join(", ");
  return h("li", { dataset: { code: String(commune.code ?? ""), id: String(commune.id) } },
    h("strong", {}, commune.name),
    h("p", { class: "muted" }, t("communes.counts", { code: commune.code ?? "—", villages: commune.villages, users: commune.users })),
    h("p", { class: "commune-admins" }, admins ? t("communes.admins", { names: admins }) : t("communes.no_admin")),
    app.can("manage_communes") ? h("details", {}, h("summary", {}, t("communes.add_admin")), adminForm(app, commune, reload)) : null);
}

// The official list, searched as the user types (a province has at most a few hundred communes).
function officialSearch(app, reload) {
  const results = h("ul", { class: "admin-list", id: "official-list", "aria-live": "polite" });
  const query = h("input", { id: "official-q", type: "search", autocomplete: "off", placeholder: t("communes.search_hint") });
  let timer, asked = 0;
  const open = (place) => async (event) => {
    event.target.disabled = true;
    try {
      await call("POST", "/communes", { code: place.code });
      app.toast(t("communes.opened_toast", { name: place.name }));
      reload();
    } catch (err) {
      event.target.disabled = false;
      app.toast(errorText(err));
    }
  };
  const search = async () => {
    const mine = ++asked;
    let items;
    try {
      ({ items } = await call("GET", `/places/communes?${new URLSearchParams({ q: query.value.trim() })}`));
    } catch (err) {
      if (mine === asked) replace(results, h("li", { class: "error" }, errorText(err)));
      return;
    }
    if (mine !== asked) return;
    replace(results, items.length ? items.slice(0, 50).map((place) => h("li", { class: "official", dataset: { code: String(place.code) } },
      h("span", {}, place.name, h("span", { class: "muted" }, ` · ${place.code}`)),
      place.opened ? h("span", { class: "muted" }, t("communes.opened"))
        : h("button", { type: "button", class: "primary", onclick: open(place), "aria-label": `${t("communes.open")}: ${place.name}` }, t("communes.open"))))
      : h("li", { class: "muted" }, t("communes.none_found")));
  };
  query.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 250); });
  search();
  return [h("h2", {}, t("communes.official")),
    h("form", { role: "search", class: "admin-form", onsubmit: (e) => { e.preventDefault(); search(); } },
      h("label", { for: "official-q" }, t("communes.search")), query),
    results];
}

export async function renderCommunes(container, app) {
  const reload = () => app.navigate(location.hash, true);
  let body;
  try {
    const { items } = await call("GET", "/communes");
    body = [h("ul", { class: "admin-list", id: "commune-list" }, items.map((c) => communeItem(app, c, reload))),
      items.length ? null : h("p", { class: "empty" }, t("communes.none_opened")),
      app.can("manage_communes") ? officialSearch(app, reload) : null];
  } catch (err) {
    body = h("p", { class: "error", role: "alert" }, errorText(err));
  }
  replace(container, h("section", { class: "admin communes", id: "communes" },
    h("h1", {}, t("communes.title", { province: app.session.user.province_name || "" })), body));
}
