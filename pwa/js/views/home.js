// Home: a big button per record type, today's counts, and what still waits to be sent.
import { h, replace } from "../dom.js";
import { t, label } from "../i18n.js";
import { listViews } from "../notebook.js";
import { todayInVietnam } from "../rules.js";

export async function renderHome(container, app) {
  const views = await listViews(app.session.user.id);
  const today = todayInVietnam();
  const mine = views.filter((v) => v.own);
  const todayOf = (type) => mine.filter((v) => v.type === type && todayInVietnam(new Date(v.created_at)) === today).length;
  const attention = views.filter((v) => ["needs_changes", "sync_rejected", "conflict"].includes(v.state));
  replace(container, h("section", { class: "home" },
    h("h1", { class: "greeting" }, t("home.hello", { name: app.session.user.full_name })),
    attention.length ? h("a", { class: "attention", href: "#/records?state=attention", id: "attention" },
      t("home.attention", { n: attention.length })) : null,
    app.can("record") ? h("div", { class: "type-buttons" }, app.forms.types.map((rt) => typeButton(rt, todayOf(rt.type)))) : null,
    h("h2", {}, t("home.recent")),
    views.length ? h("ul", { class: "record-list compact" }, views.slice(0, 5).map((v) => app.recordRow(v)))
      : h("p", { class: "empty" }, t("home.no_records"))));
}

// A type's big button, in the colour its declaration gives (set through CSSOM: the page's policy
// allows no style attribute).
function typeButton(rt, countToday) {
  const button = h("a", { class: "type-button", href: `#/new/${rt.type}`, dataset: { type: rt.type } },
    h("span", { class: "type-label" }, label(rt.label)),
    h("span", { class: "type-count" }, t("home.today", { n: countToday })));
  if (rt.colour) button.style.setProperty("--type-colour", rt.colour);
  return button;
}
