// Settings: language, storage, notifications, about, export of unsent work, logout.
import { h, replace } from "../dom.js";
import { t, getLanguage, setLanguage, formatBytes } from "../i18n.js";
import { deviceId, getMeta } from "../session.js";
import { APP_VERSION } from "../version.js";
import { storageState } from "../storage.js";
import { supported, currentSubscription, subscribe, unsubscribe } from "../notifications.js";
import { NetworkError } from "../api.js";
import { roleLabel } from "../forms.js";

// Reviewers' answers reach the phone as notifications; on or off, per phone.
async function notificationControls(app) {
  if (!supported()) return h("p", { id: "notification-state" }, t("settings.notify_unsupported"));
  if (Notification.permission === "denied") return h("p", { id: "notification-state" }, t("settings.notify_denied"));
  const subscribed = Notification.permission === "granted" && await currentSubscription();
  const message = h("p", { class: "error", role: "alert" });
  const act = (work) => async (event) => {
    event.target.disabled = true;
    try {
      await work();
      app.rerender();
    } catch (err) {
      message.textContent = err instanceof NetworkError ? t("settings.notify_offline") : err.message;
      event.target.disabled = false;
    }
  };
  return h("div", {},
    h("p", { id: "notification-state" }, t(subscribed ? "settings.notify_on" : "settings.notify_off")),
    h("button", { type: "button", id: "notifications-toggle", onclick: act(subscribed ? unsubscribe : subscribe) },
      t(subscribed ? "settings.notify_disable" : "settings.notify_enable")),
    message);
}

export async function renderSettings(container, app) {
  const storage = await storageState();
  const days = await getMeta("retention_days");
  const languages = [["vi", "Tiếng Việt"], ["en", "English"]];
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
    storage.warning === "nearly_full" ? h("p", { class: "warning" }, t("storage.nearly_full")) : null,
    days ? h("p", { id: "retention" }, t("settings.retention", { n: days })) : null,
    h("h2", {}, t("settings.notifications")),
    await notificationControls(app),
    h("h2", {}, t("settings.unsent")),
    h("p", {}, t("settings.unsent_help")),
    h("button", { type: "button", id: "export-unsent", onclick: () => app.exportUnsent() }, t("settings.export")),
    h("h2", {}, t("settings.about")),
    h("dl", { class: "fields" },
      h("dt", {}, t("settings.user")), h("dd", {}, `${user.full_name} (${user.username})`),
      h("dt", {}, t("settings.role")), h("dd", {}, roleLabel(app.forms, user.role)),
      h("dt", {}, t("settings.commune")), h("dd", {}, user.commune_name || "—"),
      h("dt", {}, t("settings.app_version")), h("dd", { id: "app-version" }, APP_VERSION),
      h("dt", {}, t("settings.forms_version")), h("dd", {}, app.forms.version),
      h("dt", {}, t("settings.device")), h("dd", { class: "mono" }, await deviceId())),
    h("button", { type: "button", class: "danger big", id: "logout", onclick: () => app.logout() }, t("settings.logout"))));
}
