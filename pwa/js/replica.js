// The phone's copy of the server records in its scope, kept by pull (PROTOCOL.md §7).
import { transaction, request, get, getAll } from "./db.js";
import { dropReflected } from "./outbox.js";

export function getRecord(id) {
  return get("records", id);
}

export function allRecords() {
  return getAll("records");
}

// Stores one pulled page, its cursor and the outbox entries it now reflects in one
// transaction: a crash leaves either the whole page or none of it, never a cursor past
// records that were not stored.
export function applyPage(page) {
  return transaction(["records", "meta", "outbox", "drafts"], "readwrite", async (s) => {
    // Every write asked for at once (half the time of one after another): they apply in order,
    // and one that fails aborts the whole transaction.
    for (const change of page.changes) {
      const record = change.record;
      if (record.deleted) s.records.delete(record.id);
      else s.records.put(record);
    }
    await request(s.meta.put(page.cursor, "cursor"));
    await dropReflected(s.outbox, page.last_mutation_id);
    if (!page.has_more) await dropApproved(s, page);
  });
}

// Less on a lost phone: approved records go `approved_retention_days` after approval (by
// the server's clock) unless in the outbox (not just kept), a draft or a conflict. The
// server keeps them.
async function dropApproved(s, { approved_retention_days: days, server_time: now }) {
  if (!days) return;
  await request(s.meta.put(days, "retention_days"));
  const cutoff = new Date(Date.parse(now) - days * 864e5).toISOString();
  const held = new Set([...await request(s.outbox.getAll()), ...await request(s.drafts.getAll())]
    .filter((e) => e.status !== "kept").map((e) => e.record_id));
  for (const r of await request(s.records.getAll())) {
    if (r.review_state === "approved" && r.reviewed_at < cutoff && !r.has_conflict && !held.has(r.id)) await request(s.records.delete(r.id));
  }
}

// The server no longer knows our cursor (scope changed, restore): drop the copy of server
// records, never the outbox, and start again from the beginning.
export function reset() {
  return transaction(["records", "meta"], "readwrite", async (s) => {
    await request(s.records.clear());
    await request(s.meta.delete("cursor"));
  });
}

