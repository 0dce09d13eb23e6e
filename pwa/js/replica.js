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
  return transaction(["records", "meta", "outbox"], "readwrite", async (s) => {
    for (const change of page.changes) {
      const record = change.record;
      if (record.deleted) await request(s.records.delete(record.id));
      else await request(s.records.put(record));
    }
    await request(s.meta.put(page.cursor, "cursor"));
    await dropReflected(s.outbox, page.last_mutation_id);
  });
}

// The server no longer knows our cursor (scope changed, restore): drop the copy of server
// records, never the outbox, and start again from the beginning.
export function reset() {
  return transaction(["records", "meta"], "readwrite", async (s) => {
    await request(s.records.clear());
    await request(s.meta.delete("cursor"));
  });
}

