// fetch against /api/v1 with the device's tokens: refreshes silently on token_expired,
// and turns every failure into NetworkError (no answer) or ApiError (the server's envelope).
import { currentSession, saveTokens, markExpired } from "./session.js";

const BASE = "/api/v1";
const TIMEOUT_MS = 30000;

export class NetworkError extends Error {
  constructor(cause) {
    super("network");
    this.name = "NetworkError";
    this.cause = cause;
  }
}

export class ApiError extends Error {
  constructor(status, envelope) {
    const error = (envelope && envelope.error) || {};
    super(error.message || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = error.code || "http_error";
    this.fields = error.fields || null;
  }
}

// Codes after which the stored tokens are useless and only a new login helps.
const SESSION_ENDED = new Set(["token_invalid", "token_reused", "token_missing", "token_revoked", "account_disabled"]);

// `asFile`: the answer is a download ({blob, filename}), not JSON.
async function send(method, path, { body, token, asFile = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response;
  try {
    response = await fetch(BASE + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal, cache: "no-store",
    });
  } catch (err) {
    throw new NetworkError(err);
  } finally {
    clearTimeout(timer);
  }
  if (response.status === 204) return null;
  if (asFile && response.ok) {
    const disposition = response.headers.get("Content-Disposition") || "";
    return { blob: await response.blob(), filename: (disposition.match(/filename="?([^";]+)"?/) || [])[1] || "download" };
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch (err) {
    // A proxy's HTML error page or a cut connection: no answer we can use.
    if (response.ok || response.status >= 500) throw new NetworkError(err);
  }
  if (!response.ok) {
    if (response.status >= 502 && response.status <= 504 && !(payload && payload.error)) throw new NetworkError(null);
    throw new ApiError(response.status, payload);
  }
  return payload;
}

let refreshing = null;

// One refresh at a time: two racing refreshes would present the same token twice,
// which the server treats as theft.
function refreshTokens(session) {
  if (!refreshing) {
    refreshing = (async () => {
      try {
        const tokens = await send("POST", "/auth/refresh", { token: session.refresh_token });
        await saveTokens(tokens);
        return tokens.access_token;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401 && err.code !== "device_revoked") await markExpired();
        throw err;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

export async function call(method, path, body, { asFile = false } = {}) {
  const session = await currentSession();
  if (!session || !session.access_token) throw new ApiError(401, { error: { code: "token_missing", message: "" } });
  try {
    return await send(method, path, { body, token: session.access_token, asFile });
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    if (err.code === "token_expired") {
      const token = await refreshTokens(session);
      return send(method, path, { body, token, asFile });
    }
    if (SESSION_ENDED.has(err.code)) await markExpired();
    throw err;
  }
}

export function login(username, password, deviceId, deviceName) {
  return send("POST", "/auth/login", {
    body: { username, password, device_id: deviceId, device_name: deviceName },
  });
}
