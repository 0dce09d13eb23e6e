// Who is logged in on this phone, the device id, and the tokens: all in IndexedDB so the
// app starts offline for weeks. The device id is made once per install (PROTOCOL.md §2).
import { get, put, transaction, request } from "./db.js";

export async function deviceId() {
  return transaction("meta", "readwrite", async (s) => {
    let id = await request(s.meta.get("device_id"));
    if (!id) {
      id = crypto.randomUUID();
      await request(s.meta.put(id, "device_id"));
    }
    return id;
  });
}

export function currentSession() {
  return get("meta", "session");
}

export function saveSession(session) {
  return put("meta", session, "session");
}

export async function saveTokens(tokens) {
  return transaction("meta", "readwrite", async (s) => {
    const session = await request(s.meta.get("session"));
    if (!session) return;
    session.access_token = tokens.access_token;
    session.refresh_token = tokens.refresh_token;
    session.expired = false;
    await request(s.meta.put(session, "session"));
  });
}

// The refresh token no longer works (rotated elsewhere, expired, logged out): keep the
// user and every local record, but ask for the password again.
export async function markExpired() {
  return transaction("meta", "readwrite", async (s) => {
    const session = await request(s.meta.get("session"));
    if (!session) return;
    session.expired = true;
    session.access_token = null;
    session.refresh_token = null;
    await request(s.meta.put(session, "session"));
  });
}

export function getMeta(key) {
  return get("meta", key);
}

export function setMeta(key, value) {
  return put("meta", value, key);
}
