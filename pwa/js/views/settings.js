// Settings: language, storage, notifications, about, export of unsent work, logout.
import { h, replace } from "../dom.js";
import { t, getLanguage, setLanguage, formatBytes } from "../i18n.js";
import { deviceId } from "../session.js";
import { APP_VERSION } from "../version.js";
import { storageState } from "../storage.js";

export async function renderSettings(container, app) {
  const storage = await storageState();
  const languages = [["vi", "Tiếng Việt"], ["en", "English"]];
  const permission = "Notification" in globalThis ? Notification.permission : "unsupported";
  const user = app.session.user;
  replace(container, h("section", { class: "settings" },
    h("h1", {}, t("settings.title")),
    h("h2", {}, t("settings.language")),
    h("div", { class: "choices", role: "radiogroup" }, languages.map(([code, name]) => h("label", { class: "choice" },
      h("input", { type: "radio", name: "language", value: code, checked: getLanguage() === code,
        onchange: () => { setLanguage(code); app.rerender(); } }), name))),
    h("h2", {}, t("settings.storage")),
    h("p", { id: "storage-state" }, storage.persisted ? t("settings.persisted") : t("settings.not_persisted")),
    storage.quota ? h("p", {}, t("settings.usage", { used: formatBytes(storage.usage), quota: formatBytes(storage.quota) })) : null,
    storage.warning ? h("p", { class: "warning" }, t(`storage.${storage.warning}`)) : null,
    h("h2", {}, t("settings.notifications")),
    h("p", { id: "notification-state" }, t(`settings.notify_${permission}`)),
    permission === "default" ? h("button", { type: "button", onclick: async () => {
      await Notification.requestPermission();
      app.rerender();
    } }, t("settings.notify_enable")) : null,
    h("h2", {}, t("settings.unsent")),
    h("p", {}, t("settings.unsent_help")),
    h("button", { type: "button", id: "export-unsent", onclick: () => app.exportUnsent() }, t("settings.export")),
    h("h2", {}, t("settings.about")),
    h("dl", { class: "fields" },
      h("dt", {}, t("settings.user")), h("dd", {}, `${user.full_name} (${user.username})`),
      h("dt", {}, t("settings.role")), h("dd", {}, t(`role.${user.role}`)),
      h("dt", {}, t("settings.commune")), h("dd", {}, user.commune_name || "—"),
      h("dt", {}, t("settings.app_version")), h("dd", { id: "app-version" }, APP_VERSION),
      h("dt", {}, t("settings.forms_version")), h("dd", {}, app.forms.version),
      h("dt", {}, t("settings.device")), h("dd", { class: "mono" }, await deviceId())),
    h("button", { type: "button", class: "danger big", id: "logout", onclick: () => app.logout() }, t("settings.logout"))));
}
