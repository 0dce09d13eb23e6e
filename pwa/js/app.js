// Starts the app: service worker and updates, the session, the forms, sync, and the
// router that puts one screen at a time in <main>.
import { h, replace, download } from "./dom.js";
import { t, applyLanguage } from "./i18n.js";
import { clearAll, getAll } from "./db.js";
import { call } from "./api.js";
import { currentSession, deviceId, getMeta, setMeta } from "./session.js";
import { cachedForms, refreshForms, roleOf } from "./forms.js";
import { unsent } from "./outbox.js";
import { reset } from "./replica.js";
import { startSyncing, onFatal, status, onStatus, refreshCounts, syncNow } from "./syncer.js";
import { requestPersistence, storageState } from "./storage.js";
import { forgetSubscription, unsubscribe } from "./notifications.js";
import { APP_VERSION } from "./version.js";
import { mountStatusBar } from "./views/statusbar.js";
import { renderLogin } from "./views/login.js";
import { renderHome } from "./views/home.js";
import { renderRecords } from "./views/records.js";
import { renderRecord } from "./views/record.js";
import { renderEdit } from "./views/edit.js";
import { renderSettings } from "./views/settings.js";
import { recordRow } from "./views/rows.js";

// The screen's container; each route draws into one of its own (route()).
let main = document.getElementById("main");
const nav = document.getElementById("nav");
const statusBar = document.getElementById("status");
const statusLive = document.getElementById("status-live");
const toasts = document.getElementById("toasts");

const app = {
  session: null,
  forms: null,
  leaveHandlers: [],
  // A desk's screen: wide enough for a table with a record beside it (css/desk.css applies from
  // the same width).
  wide: matchMedia("(min-width: 1024px)"),
  navigate(hash, replaceEntry = false) {
    if (replaceEntry) history.replaceState(null, "", hash);
    else history.pushState(null, "", hash);
    route();
  },
  rerender() {
    applyLanguage();
    refreshCounts();  // the status bar redraws in the new language
    route();
  },
  onLeave(handler) {
    this.leaveHandlers.push(handler);
  },
  recordRow(view) {
    return recordRow(this, view);
  },
  // One message at a time, the newest replacing the last: a pile would hide the form.
  toast(text) {
    const item = h("div", { class: "toast", role: "status" }, text);
    replace(toasts, item);
    setTimeout(() => item.remove(), 4000);
  },
  exportUnsent,
  logout,
};

// Everything not yet on the server, and unsaved drafts, as one JSON file the volunteer can
// keep or hand to the working group.
async function exportUnsent() {
  const exported = {
    app: "Sổ Tay 06", app_version: APP_VERSION, exported_at: new Date().toISOString(),
    device_id: await deviceId(), user: app.session ? app.session.user : null,
    mutations: await unsent(), drafts: await getAll("drafts"),
  };
  const stamp = exported.exported_at.slice(0, 19).replace(/[:T]/g, "-");
  download(`sotay06-chua-gui-${stamp}.json`, JSON.stringify(exported, null, 2));
}

function ask(message, choices) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "ask", id: "ask", "aria-labelledby": "ask-text" }, h("p", { id: "ask-text" }, message),
      h("div", { class: "actions" }, choices.map(([value, text, kind]) => h("button", {
        type: "button", class: kind || "", dataset: { choice: value },
        onclick: () => { dialog.close(); dialog.remove(); resolve(value); } }, text))));
    // Escape closes it: the same as its "cancel".
    dialog.addEventListener("cancel", () => { dialog.remove(); resolve("cancel"); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

async function wipeAndRestart(message) {
  await forgetSubscription().catch(() => {});
  await clearAll();
  app.session = null;
  location.hash = "#/";
  await boot();
  if (message) app.toast(message);
}

async function logout() {
  const waiting = await unsent();
  if (waiting.length) {
    const choice = await ask(t("logout.unsent", { n: waiting.length }), [
      ["sync", t("logout.sync_first"), "primary"], ["export", t("logout.export")],
      ["logout", t("logout.anyway"), "danger"], ["cancel", t("logout.cancel")]]);
    if (choice === "cancel") return;
    if (choice === "sync") { await syncNow(); return; }
    if (choice === "export") { await exportUnsent(); return; }
  } else if (!confirm(t("logout.confirm"))) {
    return;
  }
  try {
    await unsubscribe();
    await call("POST", "/auth/logout");
  } catch {
    // Offline: the tokens go with the local data, and the subscription with the wipe.
  }
  await wipeAndRestart(t("logout.done"));
}

// An admin revoked this phone: offer the unsent work as a file, then wipe everything.
async function deviceRevoked() {
  const waiting = await unsent();
  if (!waiting.length) {
    await wipeAndRestart(t("revoked.wiped"));
    return;
  }
  // Only the unsent work stays, for its export.
  await reset();
  await forgetSubscription().catch(() => {});
  replace(nav);
  replace(main, h("section", { class: "revoked", id: "revoked" },
    h("h1", {}, t("revoked.title")),
    h("p", {}, t("revoked.explain", { n: waiting.length })),
    h("button", { type: "button", class: "primary big", id: "revoked-export", onclick: exportUnsent }, t("revoked.export")),
    h("button", { type: "button", class: "danger big", id: "revoked-wipe", onclick: async () => {
      if (confirm(t("revoked.wipe_confirm"))) await wipeAndRestart(t("revoked.wiped"));
    } }, t("revoked.wipe"))));
}

function renderNav() {
  // The commune's working group works at the desk; everyone who reads records has a notebook.
  const notebook = app.can("records") && !app.can("administer");
  const links = [["#/", "nav.home"], notebook ? ["#/records", "nav.records"] : null,
    app.can("review") ? ["#/review", "nav.review"] : null, app.can("resolve_conflicts") ? ["#/conflicts", "nav.conflicts"] : null,
    app.can("progress") && app.can("targets") ? ["#/dashboard", "nav.dashboard"] : null,
    app.can("administer") ? ["#/admin/users", "nav.admin"] : null,
    app.can("submit_reports") ? ["#/upward", "nav.upward"] : null,
    app.can("follow_communes") ? ["#/communes", "nav.communes"] : null,
    app.can("manage_communes") ? ["#/plan", "nav.deadlines"] : null,
    ["#/settings", "nav.settings"]].filter(Boolean);
  // The section a screen belongs to: #/review/<id> is under "Duyệt", #/record/<id> under "Bản ghi".
  const section = `#/${(location.hash.split("?")[0].split("/")[1] || "").replace(/^record$/, "records")}`;
  nav.classList.toggle("many", links.length > 4);
  replace(nav, links.map(([href, key]) => h("a", { href, class: href.startsWith(section) && (section !== "#/" || href === "#/") ? "active" : "",
    id: `nav-${key.slice(4)}` }, t(key))));
}

// A desk screen (police, admin, province), loaded on first use with its strings.
async function desk(name) {
  await import("../desk/strings.js");
  return import(`../desk/${name}.js`);
}

// The reports sent upward: the commune's screen and the province's (its home screen).
async function reportScreens() {
  await import("../desk/strings.js");
  await import("../desk/reports.js");
  return app.can("follow_communes") ? import("../desk/province.js") : import("../desk/upward.js");
}

// The service worker keeps a desk file as it passes through it. On its first install it
// may not control the page yet when they load, so they would never be kept: ask for them
// again once it does.
const COMMUNE_DESK = ["dashboard", "queue", "review", "conflicts", "admin"];
const PROVINCE_DESK = ["reports", "province", "communes"];
async function keepDeskScreens() {
  // A province's device keeps only the province's screens; a commune's, the commune's.
  const screens = app.can("follow_communes") ? PROVINCE_DESK
    : [...COMMUNE_DESK, ...(app.can("submit_reports") ? ["reports", "upward"] : [])];
  // Once the worker holds them, loading them again at every start would only cost the phone
  // the time to run them.
  const held = "caches" in window && await Promise.all(["strings", ...screens].map((name) => caches.match(`/desk/${name}.js`)));
  if (held && held.every(Boolean)) return;
  for (const name of screens) desk(name).catch(() => {});
  if (!("serviceWorker" in navigator) || navigator.serviceWorker.controller) return;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    for (const name of ["strings", "chart", "queue-table", ...screens]) fetch(`/desk/${name}.js`).catch(() => {});
  }, { once: true });
}

// What the user may do, from the roles table (forms.js roleOf): a power of server/roles.py, or
// "records" for a role that reads records at all.
app.can = (power) => {
  const role = roleOf(app.forms, app.session.user.role);
  return power === "records" ? role.reads !== null : role.powers.includes(power);
};

let routes = 0;

async function route() {
  for (const handler of app.leaveHandlers.splice(0)) handler();
  if (!app.session || app.session.expired) return;
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  const parts = path.split("/").filter(Boolean);
  const params = new URLSearchParams(query || "");
  const keep = main.contains(document.activeElement) ? focusedControl(document.activeElement) : null;
  // Each route draws into a container of its own, a copy of the screen shown until it draws:
  // a screen still loading when the user moved on (home after the first sync, a slow board)
  // then draws into a container no longer on the page, never over the newer screen.
  const generation = ++routes;
  const screen = main.cloneNode(true);
  main.replaceWith(screen);
  main = screen;
  renderNav();
  window.scrollTo(0, 0);
  try {
    if ((!parts.length || parts[0] === "board") && app.can("follow_communes")) {
      const screens = await reportScreens();
      await (parts[1] ? screens.renderReport(screen, app, decodeURIComponent(parts[1]), params) : screens.renderBoard(screen, app, params));
    } else if (parts[0] === "plan" && app.can("manage_communes")) await (await reportScreens()).renderPlan(screen, app);
    else if (parts[0] === "upward" && app.can("submit_reports")) await (await reportScreens()).renderUpward(screen, app, params);
    // A notification of a returned report names it as #/reports/submissions/<id> (docs/api.md §10a).
    else if (parts[0] === "reports" && parts[1] === "submissions" && parts[2] && app.can("follow_communes")) app.navigate(`#/board/${parts[2]}`, true);
    else if (parts[0] === "reports" && parts[1] === "submissions" && parts[2] && app.can("submit_reports")) {
      await (await reportScreens()).openSubmission(screen, app, decodeURIComponent(parts[2]));
    }
    else if (!parts.length) await renderHome(screen, app);
    else if (parts[0] === "records") await renderRecords(screen, app, params);
    else if (parts[0] === "record" && parts[1]) await renderRecord(screen, app, decodeURIComponent(parts[1]));
    else if (parts[0] === "new" && parts[1]) await renderEdit(screen, app, { type: parts[1] });
    else if (parts[0] === "edit" && parts[1]) await renderEdit(screen, app, { id: decodeURIComponent(parts[1]) });
    else if (parts[0] === "settings") await renderSettings(screen, app);
    else if (parts[0] === "dashboard") await (await desk("dashboard")).renderDashboard(screen, app, params);
    else if (parts[0] === "review" && app.can("review")) {
      const id = parts[1] ? decodeURIComponent(parts[1]) : null;
      // At a desk the queue and the record share the screen; on a phone, one at a time.
      if (id && !app.wide.matches) await (await desk("review")).renderReview(screen, app, id);
      else await (await desk("queue")).renderQueue(screen, app, params, id);
    } else if (parts[0] === "conflicts" && app.can("resolve_conflicts")) {
      const screens = await desk("conflicts");
      await (parts[1] ? screens.renderConflict(screen, app, decodeURIComponent(parts[1])) : screens.renderConflicts(screen, app, params));
    } else if (parts[0] === "admin" && app.can("administer")) await (await desk("admin")).renderAdmin(screen, app, parts[1], params);
    else if (parts[0] === "communes" && app.can("follow_communes")) await (await desk("communes")).renderCommunes(screen, app);
    else app.navigate("#/", true);
  } catch (err) {
    console.error(err);
    replace(screen, h("p", { class: "error", role: "alert" }, t("app.screen_failed", { reason: err.message })));
  }
  if (generation === routes) settleFocus(keep);
}

// The focused control as a selector that finds it again in the screen drawn anew: by its id,
// or a link by where it goes.
function focusedControl(element) {
  if (element.id) return `#${CSS.escape(element.id)}`;
  const href = element.getAttribute("href");
  return href ? `a[href="${CSS.escape(href)}"]` : null;
}

// A new screen takes the focus to its title, so the keyboard goes on from there and a screen
// reader says where it is. A screen drawn anew with the control that had the focus (a filter,
// a period, the queue's search, a pager; home redrawn by a sync under a type's button) gives it
// back, so the keyboard goes on from it: the next arrow press picks the next period. Nothing
// moves when the focus is still where the redraw left it (the status bar's button).
function settleFocus(keep) {
  const control = keep && main.querySelector(keep);
  if (control) {
    control.focus();
    return;
  }
  if (document.activeElement && document.activeElement !== document.body) return;
  const title = main.querySelector("h1");
  if (!title) return;
  title.tabIndex = -1;
  title.focus({ preventScroll: true });
}

async function showLogin() {
  replace(nav);
  replace(statusBar);
  replace(statusLive);
  renderLogin(main, {
    previous: app.session && app.session.expired ? app.session : null,
    onLoggedIn: boot,
    onLogout: logout,
  });
}

// The service worker keeps the app on the phone; a new version waits until the user
// chooses to reload, and reloading loses nothing because every keystroke is already saved.
function watchForUpdates() {
  if (!("serviceWorker" in navigator)) return;
  // Under Trusted Types (server/security_headers.py) a worker's address must come from a
  // policy: this one can only ever name /sw.js.
  const url = self.trustedTypes ? trustedTypes.createPolicy("sw", { createScriptURL: () => "/sw.js" }).createScriptURL("") : "/sw.js";
  navigator.serviceWorker.register(url, { type: "module", scope: "/" }).then((registration) => {
    // A banner under the status bar, not a toast: it must not cover the form's Save button.
    const offer = (worker) => {
      if (!worker || !navigator.serviceWorker.controller || document.getElementById("update-banner")) return;
      // Beside the status bar, not in it: the bar redraws on every sync event.
      statusBar.after(h("div", { class: "update-banner", id: "update-banner", role: "status" },
        h("span", {}, t("update.available")),
        h("button", { type: "button", onclick: () => worker.postMessage({ type: "skip-waiting" }) }, t("update.reload"))));
    };
    if (registration.waiting) offer(registration.waiting);
    navigator.serviceWorker.ready.then((ready) => {
      if (!navigator.serviceWorker.controller && ready.active) ready.active.postMessage({ type: "claim" });
    });
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      worker.addEventListener("statechange", () => { if (worker.state === "installed") offer(worker); });
    });
    setInterval(() => registration.update().catch(() => {}), 60 * 60 * 1000);
  }).catch((err) => console.warn("service worker not registered", err));
  let controlled = Boolean(navigator.serviceWorker.controller);
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // The first install takes control of a page that already runs this version: no reload.
    // Any later change of worker is an update the user chose: load its version.
    if (controlled && !reloading) {
      reloading = true;
      location.reload();
    }
    controlled = true;
  });
}

// Asks to keep our data; says so when the browser will not or space runs out, at most
// once a day (Settings shows it always).
async function warnAboutStorage() {
  const persisted = await requestPersistence();
  const state = await storageState();
  const warning = persisted && state.warning === "not_persistent" ? null : state.warning;
  const today = new Date().toISOString().slice(0, 10);
  if (warning && (await getMeta("storage_warned_on")) !== today) {
    await setMeta("storage_warned_on", today);
    app.toast(t(`storage.${warning}`));
  }
}

let started = false;

async function boot() {
  applyLanguage();
  app.session = await currentSession();
  if (!app.session || app.session.expired) {
    await showLogin();
    return;
  }
  app.forms = await cachedForms();
  if (!app.forms) {
    try {
      app.forms = await refreshForms();
    } catch (err) {
      replace(main, h("p", { class: "error", role: "alert" }, t("app.forms_missing")));
      return;
    }
  } else {
    refreshForms().then((forms) => { if (forms.version !== app.forms.version) { app.forms = forms; route(); } }).catch(() => {});
  }
  // A role that neither reads nor makes records (the commune's leader, the province) has
  // nothing to sync: no pull, no outbox, and a status bar without their counts.
  status.records = app.can("records") || app.can("record");
  mountStatusBar(statusBar, statusLive);
  if (!started) {
    started = true;
    window.addEventListener("hashchange", route);
    // The review queue's layout follows the window across the desk's width.
    app.wide.addEventListener("change", () => { if (location.hash.startsWith("#/review")) route(); });
    onFatal(async (err) => {
      if (err.code === "device_revoked") await deviceRevoked();
      else { app.session = await currentSession(); await showLogin(); }
    });
    // Lists follow what sync brought in, without the user reloading.
    let lastSeen = status.lastSync;
    onStatus(() => {
      if (status.lastSync !== lastSeen && !status.running) {
        lastSeen = status.lastSync;
        const hash = location.hash.split("?")[0];
        // Home and a record's page redraw; the list refreshes itself in place (views/records.js).
        if (hash === "" || hash === "#/" || hash.startsWith("#/record/")) route();
      }
    });
    startSyncing();
  } else {
    await refreshCounts();
    syncNow();
  }
  route();
  // A device that opens desk screens keeps them too, so they open offline later.
  if (["review", "targets", "administer", "submit_reports", "follow_communes"].some(app.can)) keepDeskScreens().catch(() => {});
  await warnAboutStorage();
}

watchForUpdates();
boot();
