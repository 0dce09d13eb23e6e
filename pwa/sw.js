// The service worker: keeps the whole app shell on the phone so it opens with no network
// at all, updates when the shell changes, and syncs from Background Sync.
// The server prepends SHELL_VERSION (a digest of every shell file) and SHELL_FILES, so any
// change to any file is a new service worker and a new cache (server/site.py).
import { synchronise } from "./js/sync.js";

const CACHE_PREFIX = "sotay06-shell-";
const CACHE = CACHE_PREFIX + SHELL_VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // Bypass the HTTP cache: the files must be exactly the ones this version names.
    await cache.addAll(SHELL_FILES.map((path) => new Request(path, { cache: "reload" })));
    // The first install has nothing to replace; an update waits for the user (app.js).
    if (!self.registration.active) await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith(CACHE_PREFIX) && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "skip-waiting") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // The API always goes to the network: its answers are data, kept in IndexedDB.
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    event.respondWith(caches.match("/", { cacheName: CACHE }).then((hit) => hit || fetch(request)));
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE, ignoreSearch: true }).then((hit) => hit || fetch(request)));
});

async function tellClients(message) {
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage(message);
}

// The browser fires this when the network returns, even with the app closed. A failed run
// rejects, so the browser tries again later.
self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") event.waitUntil(synchronise().then(() => tellClients({ type: "synced" })));
});
