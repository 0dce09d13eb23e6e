// What the lists show: the server records merged with this phone's outbox, each with the
// state a volunteer cares about (DESIGN.md decision 3). Pure over what IndexedDB holds.
import { allRecords, getRecord } from "./replica.js";
import { allEntries, enqueue, replaceRejected, discardRejected } from "./outbox.js";

export const STATES = ["pending", "sync_rejected", "conflict", "needs_changes", "synced", "approved", "rejected"];

// One record as the phone sees it, from its server copy (or none yet) and its outbox
// entries in mutation order.
export function viewOf(record, entries, userId) {
  let data = record ? { ...record.data } : {};
  let version = record ? record.version : 0;
  let deleted = false;
  let pending = 0;
  let conflict = Boolean(record && record.has_conflict);
  let rejectedEntry = null;
  let first = record;
  for (const entry of entries) {
    first = first || entry;
    if (entry.status === "rejected") {
      rejectedEntry = entry;
      continue;
    }
    const applies = entry.status === "pending" || ["applied", "merged"].includes(entry.result?.status);
    if (applies) {
      if (entry.op === "delete") deleted = true;
      else if (entry.op === "create") data = { ...entry.data };
      else data = withChanges(data, entry.data);
    }
    if (entry.status === "pending") {
      pending += 1;
      version += 1;
    } else {
      version = entry.result.version ?? version;
      if (entry.result.status === "conflict") conflict = true;
    }
  }
  if (!first) return null;
  let state;
  if (rejectedEntry) state = "sync_rejected";
  else if (pending) state = "pending";
  else if (conflict) state = "conflict";
  else if (record && record.review_state !== "submitted") state = record.review_state;
  else state = "synced";
  return {
    id: record ? record.id : first.record_id,
    type: record ? record.type : first.type,
    village_id: record ? record.village_id : first.village_id,
    data,
    // What the user last typed, rejected changes included: the form to fix and resend.
    proposed: rejectedEntry && rejectedEntry.op !== "delete"
      ? (rejectedEntry.op === "create" ? { ...rejectedEntry.data } : withChanges(data, rejectedEntry.data))
      : data,
    deleted,
    state,
    // The version this phone's next edit is based on: the server's, moved on by the
    // phone's own changes that are on their way.
    base_version: version,
    server: record || null,
    rejected: rejectedEntry,
    review_comment: record ? record.review_comment : null,
    own: record ? record.created_by === userId : true,
    created_at: record ? record.created_at : first.client_time,
    updated_at: entries.length ? entries[entries.length - 1].client_time : record.updated_at,
  };
}

function withChanges(data, changes) {
  const result = { ...data };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete result[name];
    else result[name] = value;
  }
  return result;
}

function groupByRecord(entries) {
  const groups = new Map();
  for (const entry of entries) {
    if (!groups.has(entry.record_id)) groups.set(entry.record_id, []);
    groups.get(entry.record_id).push(entry);
  }
  return groups;
}

// Every record the phone knows, newest change first.
export async function listViews(userId) {
  const [records, entries] = await Promise.all([allRecords(), allEntries()]);
  const groups = groupByRecord(entries);
  const views = [];
  for (const record of records) {
    const view = viewOf(record, groups.get(record.id) || [], userId);
    groups.delete(record.id);
    if (view && !view.deleted) views.push(view);
  }
  for (const [, group] of groups) {
    const view = viewOf(null, group, userId);
    if (view && !view.deleted) views.push(view);
  }
  views.sort((a, b) => (a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0));
  return views;
}

export async function getView(id, userId) {
  const [record, entries] = await Promise.all([getRecord(id), allEntries()]);
  return viewOf(record, entries.filter((e) => e.record_id === id), userId);
}

// The fields whose value differs; null for a field that was cleared.
export function changedFields(before, after) {
  const changes = {};
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[name] ?? null;
    const b = after[name] ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) changes[name] = b;
  }
  return changes;
}

export async function createRecord(type, villageId, data) {
  const recordId = crypto.randomUUID();
  await enqueue({ op: "create", record_id: recordId, type, village_id: villageId, data });
  return recordId;
}

// Saves an edit as the fields that changed since what the phone showed; nothing to save
// when nothing changed.
export async function editRecord(view, data) {
  if (view.rejected) return resendRejected(view, data);
  const changes = changedFields(view.data, data);
  if (!Object.keys(changes).length) return false;
  await enqueue({ op: "update", record_id: view.id, base_version: view.base_version, data: changes });
  return true;
}

// A change the server rejected, fixed by the user, goes again as a new mutation.
async function resendRejected(view, data) {
  const rejected = view.rejected;
  const change = rejected.op === "create" && !view.server
    ? { op: "create", record_id: view.id, type: rejected.type, village_id: rejected.village_id, data }
    : { op: "update", record_id: view.id, base_version: view.base_version,
      data: changedFields(view.data, data) };
  await replaceRejected(rejected.mutation_id, change);
  return true;
}

export function discardRejectedChange(view) {
  return discardRejected(view.rejected.mutation_id);
}
