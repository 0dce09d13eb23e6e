// The sync state, always visible (DESIGN.md decision 10): online or not, unsent count,
// last good sync, a progress bar while a sync runs, and the "sync now" button; and the same
// state in words for screen readers.
import { h, replace } from "../dom.js";
import { t, relativeTime } from "../i18n.js";
import { status, onStatus, syncNow } from "../syncer.js";

let mounted = null;

// What a screen reader hears, through the polite live region `said` (index.html): the state in
// words, written only when the words change, so neither a progress tick nor "5 phút trước"
// ageing is read out. A sync is said only when the user asked for it; the timer's and the
// saves' own syncs are said by their outcome, and one that changes nothing says nothing.
function words(online, asked) {
  if (!online) return status.records ? t("status.said_offline", { n: status.pending }) : t("status.offline");
  if (!status.records) return t("status.online");
  if (status.running) return asked ? t("status.syncing") : null;
  if (status.lastError && status.lastError !== "offline") return t("status.sync_failed", { code: status.lastError });
  return status.pending ? t("status.said_unsent", { n: status.pending }) : t("status.said_synced");
}

// Called at every start of the app (login, relogin); listens once, renders each time.
export function mountStatusBar(container, said) {
  if (mounted) {
    mounted();
    return;
  }
  let asked = false;
  let wasRunning = false;
  const askNow = () => {
    asked = true;
    syncNow();
  };
  function render() {
    const online = status.online && status.lastError !== "offline";
    const progress = status.progress;
    const percent = progress && progress.total ? Math.round((100 * progress.done) / progress.total) : null;
    // The bar is drawn anew: the button keeps the focus it had (aria-disabled, not disabled,
    // while a sync runs, since a disabled button cannot hold it).
    const focused = container.contains(document.activeElement) ? document.activeElement.id : null;
    replace(container,
      h("div", { class: "status-row" },
        h("span", { class: `pill ${online ? "online" : "offline"}`, id: "net-state" },
          online ? t("status.online") : t("status.offline")),
        !status.records ? null : [h("span", { class: `pill ${status.pending ? "unsent" : "clear"}`, id: "unsent-count", dataset: { count: String(status.pending) } },
          t("status.unsent", { n: status.pending })),
        // While a sync runs its counts take the last sync's line, and its bar lies along the
        // header's foot: the header keeps its height, so the screen under it never moves.
        h("span", { class: "last-sync", id: "last-sync", hidden: status.running },
          status.lastSync ? t("status.last_sync", { when: relativeTime(status.lastSync) }) : t("status.never_synced")),
        status.running ? h("span", { class: "last-sync progress-label" }, t(progress.phase === "pull" ? "status.pulling" : "status.pushing",
          { done: progress.done, total: progress.total })) : null,
        h("button", { type: "button", class: "sync-button", id: "sync-now", "aria-disabled": status.running ? "true" : null, onclick: askNow },
          status.running ? t("status.syncing") : t("status.sync_now"))]),
      status.running ? h("div", { class: "progress", id: "sync-progress" },
        // No value: the indeterminate bar, until the first batch tells how much there is.
        h("progress", { max: 100, value: percent ?? undefined, "aria-label": t("status.syncing") })) : null,
      !status.running && status.lastError && status.lastError !== "offline"
        ? h("p", { class: "sync-error" }, t("status.sync_failed", { code: status.lastError })) : null);
    if (focused) document.getElementById(focused)?.focus();
    const text = words(online, asked);
    if (text !== null && text !== said.textContent) said.textContent = text;
    if (wasRunning && !status.running) asked = false;
    wasRunning = status.running;
  }
  mounted = render;
  onStatus(render);
  render();
  // "5 phút trước" ages without a sync happening.
  setInterval(render, 30000);
}
