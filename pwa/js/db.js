// The whole IndexedDB surface: open with versioned upgrades, and a few promise helpers.
// Everything the phone must not lose (outbox, drafts, replica, tokens) lives here.

const DB_NAME = "sotay06";
const DB_VERSION = 1;

// Each step upgrades from the version before it; never edit a released step, add one.
const UPGRADES = [
  (db) => {
    const outbox = db.createObjectStore("outbox", { keyPath: "mutation_id" });
    outbox.createIndex("record_id", "record_id");
    const records = db.createObjectStore("records", { keyPath: "id" });
    records.createIndex("type", "type");
    db.createObjectStore("drafts", { keyPath: "key" });
    db.createObjectStore("meta");
  },
];

let opening = null;

export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = (event) => {
        for (let v = event.oldVersion; v < DB_VERSION; v += 1) UPGRADES[v](request.result, request.transaction);
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab opening a newer version: let it, and reopen on next use.
        db.onversionchange = () => { db.close(); opening = null; };
        resolve(db);
      };
      request.onerror = () => { opening = null; reject(request.error); };
      request.onblocked = () => reject(new Error("IndexedDB upgrade blocked by another tab"));
    });
  }
  return opening;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// Runs work(stores) in one transaction and resolves with its result once the transaction
// has committed, so a caller never believes in a write the disk does not have.
export async function transaction(storeNames, mode, work) {
  const db = await openDb();
  const names = Array.isArray(storeNames) ? storeNames : [storeNames];
  return new Promise((resolve, reject) => {
    const tx = db.transaction(names, mode, { durability: "strict" });
    const stores = Object.fromEntries(names.map((name) => [name, tx.objectStore(name)]));
    let result;
    Promise.resolve(work(stores, tx)).then((value) => { result = value; }, (err) => {
      try { tx.abort(); } catch { /* already finished */ }
      reject(err);
    });
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
}

export const request = done;

export function get(store, key) {
  return transaction(store, "readonly", (s) => done(s[store].get(key)));
}

export function getAll(store, index, query) {
  return transaction(store, "readonly", (s) => {
    const source = index ? s[store].index(index) : s[store];
    return done(source.getAll(query));
  });
}

export function put(store, value, key) {
  return transaction(store, "readwrite", (s) => done(key === undefined ? s[store].put(value) : s[store].put(value, key)));
}

export function remove(store, key) {
  return transaction(store, "readwrite", (s) => done(s[store].delete(key)));
}

export function count(store) {
  return transaction(store, "readonly", (s) => done(s[store].count()));
}

// Wipes every store: logout and device revocation.
export function clearAll() {
  return transaction(["outbox", "records", "drafts", "meta"], "readwrite", (s) =>
    Promise.all(Object.values(s).map((store) => done(store.clear()))));
}
