// IndexedDB, promise-style. Everything an auditor enters (drafts, queued visits, photo bytes) is
// written here before any attempt to send it, so a reload, a crash or a dead battery loses nothing.

const NAME = "mystery-shopper";
const VERSION = 1;
let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        // Visits and revisions: drafts, queued, sent and refused ones (key: client_uuid).
        if (!db.objectStoreNames.contains("visits")) {
          db.createObjectStore("visits", { keyPath: "client_uuid" });
        }
        // Photo bytes (already downscaled) and their upload state (key: uuid).
        if (!db.objectStoreNames.contains("photos")) {
          db.createObjectStore("photos", { keyPath: "uuid" });
        }
        // Last known answers of GET requests (forms, branches, assignments) for offline use.
        if (!db.objectStoreNames.contains("cache")) {
          db.createObjectStore("cache", { keyPath: "key" });
        }
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return opening;
}

function done(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function store(name, mode = "readonly") {
  const db = await open();
  return db.transaction(name, mode).objectStore(name);
}

export async function getItem(name, key) {
  return done((await store(name)).get(key));
}

export async function allItems(name) {
  return done((await store(name)).getAll());
}

export async function putItem(name, value) {
  const os = await store(name, "readwrite");
  // Resolve only once the transaction is durable, not merely queued.
  const committed = new Promise((resolve, reject) => {
    os.transaction.oncomplete = resolve;
    os.transaction.onerror = () => reject(os.transaction.error);
    os.transaction.onabort = () => reject(os.transaction.error);
  });
  os.put(value);
  await committed;
  return value;
}

export async function deleteItem(name, key) {
  return done((await store(name, "readwrite")).delete(key));
}

// Read-modify-write of one record in a single transaction (no lost updates between tabs).
export async function updateItem(name, key, change) {
  const os = await store(name, "readwrite");
  const current = await done(os.get(key));
  if (current === undefined) return undefined;
  const next = change(current) || current;
  await done(os.put(next));
  return next;
}

export async function cacheGet(key) {
  const item = await getItem("cache", key);
  return item ? item.value : undefined;
}

export async function cachePut(key, value) {
  await putItem("cache", { key, value, saved_at: new Date().toISOString() });
}

export async function clearCache() {
  return done((await store("cache", "readwrite")).clear());
}
