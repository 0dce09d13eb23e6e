// Web Push on this phone (PROTOCOL.md §9): subscribe with the server's VAPID key and bind the
// subscription to this device, or undo both. The worker shows what arrives (sw.js).
import { call } from "./api.js";

function keyBytes(base64url) {
  const padded = base64url.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(base64url.length / 4) * 4, "=");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

export function supported() {
  return "Notification" in globalThis && "serviceWorker" in navigator && "PushManager" in globalThis;
}

// getRegistration, not ready: ready never settles where no worker was registered.
export async function currentSubscription() {
  if (!supported()) return null;
  const registration = await navigator.serviceWorker.getRegistration();
  return registration ? registration.pushManager.getSubscription() : null;
}

// Needs the network (the key and the binding come from the server) and the user's permission.
export async function subscribe() {
  if ((await Notification.requestPermission()) !== "granted") return null;
  const { public_key: publicKey } = await call("GET", "/push/vapid-public-key");
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true, applicationServerKey: keyBytes(publicKey),
  });
  const { endpoint, keys } = subscription.toJSON();
  await call("POST", "/push/subscriptions", { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } });
  return subscription;
}

export async function unsubscribe() {
  const subscription = await currentSubscription();
  if (!subscription) return;
  await call("DELETE", "/push/subscriptions", { endpoint: subscription.endpoint });
  await subscription.unsubscribe();
}

// The browser's side only, for a wipe: the next user of this phone must not get the last
// one's notifications (the server drops a revoked device's subscriptions itself), nor see
// those still shown.
export async function forgetSubscription() {
  const registration = supported() && await navigator.serviceWorker.getRegistration();
  if (!registration) return;
  await (await registration.pushManager.getSubscription())?.unsubscribe();
  for (const shown of await registration.getNotifications()) shown.close();
}
