// The outbox: every save on the phone becomes a mutation here, numbered in order, and stays
// until the server has answered for it (DESIGN.md decision 3; PROTOCOL.md §6).
//
// An entry's status:
//   pending   not yet answered; sent oldest first, possibly more than once (the server
//             applies a mutation id once and repeats its first answer)
//   acked     answered applied / merged / conflict; kept until a pull has brought the
//             record back with it (last_mutation_id), so the lists never flicker back
//   rejected  answered rejected; kept with the server's reasons until the user fixes
//             and resends it (a new mutation) or discards it
//   kept      reflected by a pull; hidden, kept 14 days in case the server is restored
//             from an older backup: a reset then sends it again (requeue)
import { transaction, request, getAll } from "./db.js";

const KEEP_MS = 14 * 864e5;

// Once an entry may have reached the server its content is frozen: the same id with
// other content would be refused as mutation_mismatch. Until then an edit may amend it.
function amendable(entry) {
  return entry.status === "pending" && !entry.attempted;
}

export async function allEntries() {
  return (await getAll("outbox")).filter((e) => e.status !== "kept");
}

export async function pendingCount() {
  const entries = await allEntries();
  return entries.filter((e) => e.status === "pending").length;
}

// Saves one change of a record as a mutation: a create, an update of the changed fields,
// or a delete. An update of a record whose last mutation was never sent amends that one.
export function enqueue(change) {
  return transaction(["outbox", "meta"], "readwrite", async (s) => {
    const entries = await request(s.outbox.index("record_id").getAll(change.record_id));
    const last = entries[entries.length - 1];
    if (change.op === "update" && last && amendable(last) && last.op !== "delete") {
      last.data = { ...last.data, ...change.data };
      last.client_time = new Date().toISOString();
      await request(s.outbox.put(last));
      return last;
    }
    const next = (await request(s.meta.get("next_mutation_id"))) || 1;
    const entry = {
      ...change,
      mutation_id: next,
      status: "pending",
      attempted: false,
      client_time: new Date().toISOString(),
    };
    await request(s.outbox.put(entry));
    await request(s.meta.put(next + 1, "next_mutation_id"));
    return entry;
  });
}

// The oldest pending entries, marked as possibly sent, in the protocol's shape.
export function takeBatch(limit) {
  return transaction("outbox", "readwrite", async (s) => {
    const batch = [];
    await new Promise((resolve, reject) => {
      const cursor = s.outbox.openCursor();
      cursor.onerror = () => reject(cursor.error);
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c || batch.length >= limit) return resolve();
        if (c.value.status === "pending") {
          if (!c.value.attempted) c.update({ ...c.value, attempted: true });
          batch.push(c.value);
        }
        c.continue();
      };
    });
    return batch.map(toWire);
  });
}

function toWire(entry) {
  const wire = { mutation_id: entry.mutation_id, op: entry.op, record_id: entry.record_id };
  if (entry.op === "create") Object.assign(wire, { type: entry.type, village_id: entry.village_id });
  else wire.base_version = entry.base_version;
  if (entry.op !== "delete") wire.data = entry.data;
  wire.client_time = entry.client_time;
  return wire;
}

// Records the server's answers; an entry without an answer stays pending.
export function recordResults(results) {
  return transaction("outbox", "readwrite", async (s) => {
    for (const result of results) {
      const entry = await request(s.outbox.get(result.mutation_id));
      if (!entry || entry.status !== "pending") continue;
      entry.result = result;
      entry.status = result.status === "rejected" ? "rejected" : "acked";
      entry.answered_at = new Date().toISOString();
      await request(s.outbox.put(entry));
    }
  });
}

// Entries the pulled records reflect are kept a while, then dropped. Runs inside the
// transaction that stores the pulled page, so the two never disagree.
export async function dropReflected(store, lastMutationId) {
  if (!lastMutationId) return;
  for (const e of await request(store.getAll(IDBKeyRange.upperBound(lastMutationId)))) {
    if (e.status === "acked") await request(store.put({ ...e, status: "kept", kept_at: Date.now() }));
    else if (e.status === "kept" && e.kept_at < Date.now() - KEEP_MS) await request(store.delete(e.mutation_id));
  }
}

// After a reset every answered entry goes again: the server repeats the answers it holds
// and applies afresh what its backup lacks.
export function requeue() {
  return transaction("outbox", "readwrite", async (s) => {
    for (const e of await request(s.outbox.getAll())) if (e.status !== "pending") await request(s.outbox.put({ ...e, status: "pending" }));
  });
}

// The user fixed a rejected change: its replacement is a new mutation, and the rejected
// one goes, in one transaction so the change is never in neither place.
export function replaceRejected(mutationId, change) {
  return transaction(["outbox", "meta"], "readwrite", async (s) => {
    const next = (await request(s.meta.get("next_mutation_id"))) || 1;
    const entry = { ...change, mutation_id: next, status: "pending", attempted: false,
      client_time: new Date().toISOString() };
    await request(s.outbox.delete(mutationId));
    await request(s.outbox.put(entry));
    await request(s.meta.put(next + 1, "next_mutation_id"));
    return entry;
  });
}

export function discardRejected(mutationId) {
  return transaction("outbox", "readwrite", async (s) => {
    const entry = await request(s.outbox.get(mutationId));
    if (entry && entry.status === "rejected") await request(s.outbox.delete(mutationId));
  });
}

// Everything not yet safely on the server, for the JSON export offered before a wipe.
export async function unsent() {
  const entries = await allEntries();
  return entries.filter((e) => e.status !== "acked");
}
