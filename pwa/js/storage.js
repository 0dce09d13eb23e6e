// Asks the browser to keep our data (it may otherwise evict it when space runs low) and
// says when it will not, or when space is nearly gone.
const LOW_BYTES = 20 * 1024 * 1024;

export async function requestPersistence() {
  if (!navigator.storage || !navigator.storage.persist) return false;
  if (await navigator.storage.persisted()) return true;
  return navigator.storage.persist();
}

export async function storageState() {
  const state = { persisted: false, usage: null, quota: null, warning: null };
  if (!navigator.storage) return { ...state, warning: "not_persistent" };
  state.persisted = navigator.storage.persisted ? await navigator.storage.persisted() : false;
  if (navigator.storage.estimate) {
    const { usage, quota } = await navigator.storage.estimate();
    Object.assign(state, { usage, quota });
    if (quota && (quota - usage < LOW_BYTES || usage / quota > 0.9)) state.warning = "nearly_full";
  }
  if (!state.warning && !state.persisted) state.warning = "not_persistent";
  return state;
}
