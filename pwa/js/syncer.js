// When to sync, and what the status bar shows: on open, on regaining the network, on a
// timer with backoff and jitter, on the user's button, and from the service worker's
// Background Sync (DESIGN.md decision 10). Everything a view needs is in `status`.
import { synchronise } from "./sync.js";
import { pendingCount } from "./outbox.js";
import { getMeta, currentSession } from "./session.js";
import { NetworkError, ApiError } from "./api.js";

const EVERY_MS = 5 * 60 * 1000;      // while all is well
const RETRY_FIRST_MS = 15 * 1000;    // after a failure, doubling up to
const RETRY_MAX_MS = 30 * 60 * 1000;

export const status = {
  online: navigator.onLine,
  running: false,
  progress: null,          // {phase, done, total} while running
  pending: 0,
  lastSync: null,
  lastError: null,         // "offline" | ApiError code | "error"
  lastSummary: null,
  records: true,           // false for a user with no records to sync (app.js)
};

const events = new EventTarget();
let timer = null;
let failures = 0;

export function onStatus(listener) {
  events.addEventListener("change", listener);
  return () => events.removeEventListener("change", listener);
}

function publish() {
  events.dispatchEvent(new Event("change"));
}

// Any code that changed the outbox calls this so the unsent count stays true.
export async function refreshCounts() {
  status.pending = await pendingCount();
  status.lastSync = (await getMeta("last_sync")) || null;
  publish();
}

function schedule(ms) {
  clearTimeout(timer);
  const jittered = ms * (0.5 + Math.random());  // phones that lost signal together do not return together
  timer = setTimeout(syncNow, jittered);
}

// Listeners for errors the app must act on (revoked device, ended session).
const fatalHandlers = [];
export function onFatal(handler) {
  fatalHandlers.push(handler);
}

export async function syncNow() {
  if (status.running) return status.lastSummary;
  // Logged out, or waiting for the password again: nothing to sync with until then.
  const session = await currentSession();
  if (!session || session.expired || !status.records) return null;
  status.running = true;
  status.lastError = null;  // a new attempt: the last one's "offline" no longer describes it
  status.progress = { phase: "push", done: 0, total: status.pending };
  publish();
  try {
    status.lastSummary = await synchronise((progress) => {
      status.progress = progress;
      refreshCounts();
    });
    status.lastError = null;
    failures = 0;
    schedule(EVERY_MS);
  } catch (err) {
    status.lastError = err instanceof NetworkError ? "offline" : err instanceof ApiError ? err.code : "error";
    if (err instanceof ApiError && err.status === 401) {
      // Not a sync failure to retry: the app shows its own screen (login, revoked device).
      status.lastError = null;
      for (const handler of fatalHandlers) handler(err);
    } else {
      failures += 1;
      schedule(Math.min(RETRY_FIRST_MS * 2 ** (failures - 1), RETRY_MAX_MS));
      if (!(err instanceof NetworkError)) console.error("sync failed", err);
    }
  } finally {
    status.running = false;
    status.progress = null;
    await refreshCounts();
  }
  return status.lastSummary;
}

// Asks the browser to sync on its own once the network is back, even with the app closed.
export async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register("outbox");
  } catch {
    // Not offered by this browser, or not allowed: the timer and the online event remain.
  }
}

export function startSyncing() {
  window.addEventListener("online", () => {
    status.online = true;
    failures = 0;
    publish();
    syncNow();
  });
  window.addEventListener("offline", () => {
    status.online = false;
    publish();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && !status.running && status.pending) syncNow();
  });
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data && event.data.type === "synced") refreshCounts();
    if (event.data && event.data.type === "sync-now") syncNow();
  });
  refreshCounts().then(() => syncNow());
}
