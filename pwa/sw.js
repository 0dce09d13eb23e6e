// The service worker: keeps the whole app shell on the phone so it opens with no network
// at all, updates when the shell changes, and syncs from Background Sync.
// The server prepends SHELL_VERSION (a digest of every shell file) and SHELL_FILES, so any
// change to any file is a new service worker and a new cache (server/site.py).
import { synchronise } from "./js/sync.js";

const CACHE_PREFIX = "sotay06-";
const CACHE = `${CACHE_PREFIX}shell-${SHELL_VERSION}`;
// The desk screens, cached on first use (only police and admin devices open them).
const DESK_CACHE = `${CACHE_PREFIX}desk-${SHELL_VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // Revalidated with the server, never taken from the HTTP cache unasked: the files must be
    // exactly the ones this version names. A file the page has just loaded, or one a deploy left
    // unchanged, answers 304 (its ETag still matches) and is not downloaded a second time.
    await cache.addAll(SHELL_FILES.map((path) => new Request(path, { cache: "no-cache" })));
    // The first install has nothing to replace; an update waits for the user (app.js).
    if (!self.registration.active) await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith(CACHE_PREFIX) && key !== CACHE && key !== DESK_CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "skip-waiting") self.skipWaiting();
  // A page that loaded while this worker was activating missed its claim: take it now.
  if (event.data && event.data.type === "claim") event.waitUntil(self.clients.claim());
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
  if (url.pathname.startsWith("/desk/")) {
    event.respondWith(caches.open(DESK_CACHE).then(async (cache) => {
      const hit = await cache.match(request, { ignoreSearch: true });
      if (hit) return hit;
      const response = await fetch(request);
      if (response.ok) await cache.put(request, response.clone());
      return response;
    }));
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE, ignoreSearch: true }).then((hit) => hit || fetch(request)));
});

async function tellClients(message) {
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage(message);
}

// A notification from the server (PROTOCOL.md §9): show it, and since it means something
// changed for this user, bring the change in.
self.addEventListener("push", (event) => {
  let payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch {
    // Not JSON: still tell the user something arrived.
  }
  event.waitUntil((async () => {
    await self.registration.showNotification(payload.title || "Sổ Tay 06", {
      body: payload.body || "", lang: "vi", icon: "/icons/icon-192.png", badge: "/icons/icon-192.png",
      tag: payload.record_id || payload.conflict_id || payload.kind, data: { url: payload.url || "/" },
    });
    try {
      await synchronise();
      await tellClients({ type: "synced" });
    } catch {
      // Offline or the session ended: the app syncs when it next opens.
    }
  })());
});

// Tapping a notification opens the record it is about, in an open window if there is one.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url || "/", self.location.origin);
  const url = target.origin === self.location.origin ? target.href : self.location.origin + "/";
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window" });
    if (windows.length) {
      const client = await windows[0].navigate(url) || windows[0];
      return client.focus();
    }
    return self.clients.openWindow(url);
  })());
});

// The browser fires this when the network returns, even with the app closed. A failed run
// rejects, so the browser tries again later.
self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") event.waitUntil(synchronise().then(() => tellClients({ type: "synced" })));
});
