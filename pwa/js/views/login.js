// Login: online the first time; afterwards only when the session has ended. A returning
// user keeps every local record; another user must first log the old one out.
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { login, ApiError, NetworkError } from "../api.js";
import { deviceId, saveSession } from "../session.js";
import { APP_VERSION } from "../version.js";

export function renderLogin(container, { previous, onLoggedIn, onLogout }) {
  const username = h("input", { id: "username", name: "username", autocomplete: "username", autocapitalize: "none",
    required: true, value: previous ? previous.user.username : "", readOnly: Boolean(previous) });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const message = h("p", { class: "error", role: "alert", id: "login-error" });
  const button = h("button", { type: "submit", class: "primary big" }, t("login.submit"));

  async function submit(event) {
    event.preventDefault();
    message.textContent = "";
    button.disabled = true;
    try {
      const answer = await login(username.value.trim(), password.value, await deviceId(), navigator.userAgent.slice(0, 100));
      await saveSession({ user: answer.user, access_token: answer.access_token, refresh_token: answer.refresh_token,
        expired: false, app_version: APP_VERSION });
      onLoggedIn();
    } catch (err) {
      if (err instanceof NetworkError) message.textContent = t("login.offline");
      else if (err instanceof ApiError && err.status === 429) message.textContent = t("login.rate_limited");
      else if (err instanceof ApiError && err.status === 401) message.textContent = t("login.bad_credentials");
      else if (err instanceof ApiError && err.code === "device_bound_to_other_user") message.textContent = t("login.device_in_use");
      else message.textContent = err.message || t("login.failed");
    } finally {
      button.disabled = false;
    }
  }

  replace(container, h("section", { class: "login" },
    h("h1", {}, t("app.name")),
    h("p", { class: "lead" }, t("login.lead")),
    previous ? h("p", { class: "notice" }, t("login.session_ended", { name: previous.user.full_name })) : null,
    h("form", { onsubmit: submit, id: "login-form" },
      h("label", { for: "username" }, t("login.username")), username,
      h("label", { for: "password" }, t("login.password")), password,
      message, button),
    previous ? h("button", { type: "button", class: "link", onclick: onLogout }, t("login.other_user")) : null));
  (previous ? password : username).focus();
}
