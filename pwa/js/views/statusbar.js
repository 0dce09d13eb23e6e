// The sync state, always visible (DESIGN.md decision 10): online or not, unsent count,
// last good sync, a progress bar while a sync runs, and the "sync now" button.
import { h, replace } from "../dom.js";
import { t, relativeTime } from "../i18n.js";
import { status, onStatus, syncNow } from "../syncer.js";

let mounted = null;

// Called at every start of the app (login, relogin); listens once, renders each time.
export function mountStatusBar(container) {
  if (mounted) {
    mounted();
    return;
  }
  function render() {
    const online = status.online && status.lastError !== "offline";
    const progress = status.progress;
    const percent = progress && progress.total ? Math.round((100 * progress.done) / progress.total) : null;
    replace(container,
      h("div", { class: "status-row" },
        h("span", { class: `pill ${online ? "online" : "offline"}`, id: "net-state" },
          online ? t("status.online") : t("status.offline")),
        !status.records ? null : [h("span", { class: `pill ${status.pending ? "unsent" : "clear"}`, id: "unsent-count", dataset: { count: String(status.pending) } },
          t("status.unsent", { n: status.pending })),
        h("span", { class: "last-sync", id: "last-sync" },
          status.lastSync ? t("status.last_sync", { when: relativeTime(status.lastSync) }) : t("status.never_synced")),
        h("button", { type: "button", class: "sync-button", id: "sync-now", disabled: status.running, onclick: () => syncNow() },
          status.running ? t("status.syncing") : t("status.sync_now"))]),
      status.running ? h("div", { class: "progress", id: "sync-progress" },
        // No value: the indeterminate bar, until the first batch tells how much there is.
        h("progress", { max: 100, value: percent ?? undefined, "aria-label": t("status.syncing") }),
        h("span", { class: "progress-label" }, t(progress.phase === "pull" ? "status.pulling" : "status.pushing",
          { done: progress.done, total: progress.total }))) : null,
      !status.running && status.lastError && status.lastError !== "offline"
        ? h("p", { class: "sync-error", role: "alert" }, t("status.sync_failed", { code: status.lastError })) : null);
  }
  mounted = render;
  onStatus(render);
  render();
  // "5 phút trước" ages without a sync happening.
  setInterval(render, 30000);
}
