// One sync run: push the outbox oldest first, then pull every change since the cursor
// (PROTOCOL.md §6–7). No DOM here: the page and the service worker (Background Sync)
// both run it, one at a time under a Web Lock.
import { call, NetworkError } from "./api.js";
import { takeBatch, recordResults, pendingCount, requeue } from "./outbox.js";
import { applyPage, reset } from "./replica.js";
import { deviceId, getMeta, setMeta } from "./session.js";
import { APP_VERSION } from "./version.js";

// Well under the server's 500, so one request stays short on a 2G link.
export const PUSH_BATCH = 100;
// The server's largest page (docs/api.md §7): a first sync of 10,000 records is 10 round trips,
// not 20, and a page is ~55 kB compressed (docs/performance.md, "Bytes on the wire").
export const PULL_LIMIT = 1000;

function withLock(work) {
  if (globalThis.navigator && navigator.locks) return navigator.locks.request("sotay06-sync", work);
  return work();
}

// onProgress({phase: "push"|"pull", done, total}) is called as batches complete.
export function synchronise(onProgress = () => {}) {
  return withLock(() => run(onProgress));
}

async function run(onProgress, again = false) {
  const device = await deviceId();
  // The server went back to a backup (or our scope changed): send again all it answered, pull from the start.
  const restart = async () => {
    if (again) throw new Error("sync kept asking for a reset");
    await requeue();
    await reset();
    return run(onProgress, true);
  };
  const summary = { pushed: 0, rejected: 0, conflicts: 0, pulled: 0 };
  const total = await pendingCount();
  onProgress({ phase: "push", done: 0, total });
  // An entry goes only after the server's answer for it is stored; a network failure
  // stops the run with the entry still at the head, to be sent again.
  for (;;) {
    const batch = await takeBatch(PUSH_BATCH);
    if (!batch.length) break;
    const remaining = await pendingCount();
    const cursor = await getMeta("cursor");
    const response = await call("POST", "/sync/push", {
      device_id: device, mutations: batch, app_version: APP_VERSION, pending_count: remaining, ...(cursor && { cursor }),
    });
    if (response.reset) return restart();
    await recordResults(response.results);
    for (const result of response.results) {
      if (result.status === "rejected") summary.rejected += 1;
      else if (result.status === "conflict") summary.conflicts += 1;
      summary.pushed += 1;
    }
    onProgress({ phase: "push", done: Math.min(summary.pushed, total), total });
    if (response.results.length < batch.length) throw new NetworkError(new Error("incomplete push answer"));
  }
  const fetchPage = (cursor, pending) => {
    const query = new URLSearchParams({ device_id: device, limit: String(PULL_LIMIT), app_version: APP_VERSION,
      pending_count: String(pending) });
    if (cursor) query.set("cursor", cursor);
    return call("GET", `/sync/pull?${query}`);
  };
  let cursor = await getMeta("cursor");
  let next = fetchPage(cursor, await pendingCount());
  for (;;) {
    const page = await next;
    if (page.reset) {
      if (!cursor) throw new Error("pull asked for a reset from the start");
      return restart();
    }
    cursor = page.cursor;
    // The next page travels while this one is stored: on a slow link a page's round trip and
    // its IndexedDB transaction take about as long. Pages are still stored in order, each with
    // its own cursor, so a failure anywhere leaves the replica at a page's end. The request is
    // started first so that its reads (the outbox, the session's token) open before the page's
    // transaction, which would otherwise hold them back until it commits.
    next = page.has_more ? fetchPage(cursor, await pendingCount()) : null;
    try {
      await applyPage(page);
    } catch (err) {
      next?.catch(() => {});  // abandoned: its failure is not this run's error
      throw err;
    }
    summary.pulled += page.changes.length;
    onProgress({ phase: "pull", done: summary.pulled, total: summary.pulled + (page.has_more ? PULL_LIMIT : 0) });
    if (!page.has_more) break;
  }
  await setMeta("last_sync", new Date().toISOString());
  return summary;
}
