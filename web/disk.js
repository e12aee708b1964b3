// The worker's side of the root disk, the `DiskHost` the engine calls
// (crates/host/src/web/js.rs):
//
// - Chunk files: `request(file, delayMs)` answers from the chunk cache in
//   IndexedDB, or fetches `<image>/<file>` and keeps it in the cache, then
//   hands the file to the engine (`vm.chunk_fetched`) and wakes the loop.
//   The engine checks every file against its hash. The cache is keyed by
//   codec and hash, so it is shared by every image and never stale; a retry
//   (the engine retries a failed or corrupt chunk after a delay) skips it,
//   and what the network then brings replaces the cached copy.
// - Overlay blocks: read back from IndexedDB before the VM starts;
//   `put(n, bytes)` queues a block, `commit(puts)` writes every queued block
//   in one transaction and reports it (`vm.blocks_committed`) once
//   IndexedDB says it is durable. Each image has its own overlay database,
//   named by the manifest's hash: changes never land on another image.

const CHUNK_DB = 'tabvm-chunks';
const OVERLAY_DB = 'tabvm-overlay-';
// Object store names (one per database).
const CHUNKS = 'chunks';
const BLOCKS = 'blocks';

/** The result of an IndexedDB request or transaction, as a promise. */
function done(request) {
  return new Promise((resolve, reject) => {
    if (request instanceof IDBTransaction) {
      request.oncomplete = () => resolve();
      request.onabort = request.onerror = () => reject(request.error ?? new Error('transaction aborted'));
    } else {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    }
  });
}

/** Opens database `name` holding object store `store`. */
function openDb(name, store) {
  const request = indexedDB.open(name, 1);
  request.onupgradeneeded = () => request.result.createObjectStore(store);
  return done(request);
}

const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
const message = (e) => String(e && e.message ? e.message : e);

export class Disk {
  /** Fetches the image's manifest and reads back its overlay. `wake` is
   *  called whenever the engine has something new to look at. */
  static async open(image, wake) {
    const response = await fetch(new URL('manifest.json', image));
    if (!response.ok) throw new Error(`${image}manifest.json: HTTP ${response.status}`);
    const manifest = new Uint8Array(await response.arrayBuffer());
    // The codec names the cached files (the same chunk stored with another
    // codec is another file); the engine validates the rest.
    const { compression } = JSON.parse(new TextDecoder().decode(manifest));
    const overlayName = OVERLAY_DB + hex(await crypto.subtle.digest('SHA-256', manifest)).slice(0, 16);
    const [chunks, overlay] = await Promise.all([openDb(CHUNK_DB, CHUNKS), openDb(overlayName, BLOCKS)]);
    const disk = new Disk(image, manifest, compression, chunks, overlay, overlayName, wake);
    disk.restored = await disk.readOverlay();
    return disk;
  }

  constructor(image, manifest, compression, chunks, overlay, overlayName, wake) {
    this.image = image;
    this.manifest = manifest;
    this.compression = compression;
    this.chunks = chunks;
    this.overlay = overlay;
    this.overlayName = overlayName;
    this.wake = wake;
    this.vm = null;
    // Blocks put since the last commit, by number (a later put wins).
    this.queued = new Map();
    // The overlay as read back: { numbers: Float64Array, blocks: Uint8Array }.
    this.restored = null;
  }

  /** Answers go to `vm` from now on. */
  attach(vm) {
    this.vm = vm;
  }

  /** Every stored block, in key order. */
  async readOverlay() {
    const tx = this.overlay.transaction(BLOCKS, 'readonly');
    const store = tx.objectStore(BLOCKS);
    const [keys, values] = await Promise.all([done(store.getAllKeys()), done(store.getAll())]);
    const size = values.length > 0 ? values[0].length : 0;
    const blocks = new Uint8Array(values.length * size);
    values.forEach((v, i) => blocks.set(v, i * size));
    return { numbers: Float64Array.from(keys), blocks };
  }

  // --- DiskHost: called by the engine from inside `vm.run`, so nothing
  // here calls back into the VM before the next turn of the event loop.

  request(file, delayMs) {
    this.fetchChunk(file, delayMs);
  }

  put(n, bytes) {
    this.queued.set(n, bytes.slice());
  }

  commit(puts) {
    const blocks = this.queued;
    this.queued = new Map();
    let tx;
    try {
      tx = this.overlay.transaction(BLOCKS, 'readwrite', { durability: 'strict' });
      const store = tx.objectStore(BLOCKS);
      for (const [n, data] of blocks) store.put(data, n);
    } catch (e) {
      // Not yet inside the VM's call: report on the next turn.
      queueMicrotask(() => this.commitFailed(e));
      return;
    }
    done(tx).then(
      () => {
        this.vm.blocks_committed(puts);
        this.wake();
      },
      (e) => this.commitFailed(e),
    );
  }

  // --- the rest

  commitFailed(e) {
    this.vm.blocks_failed(`${this.overlayName}: ${message(e)}`);
    this.wake();
  }

  /** Gets one chunk file and hands it to the engine. */
  async fetchChunk(file, delayMs) {
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const key = `${this.compression}/${file}`;
    const begin = performance.now();
    let bytes;
    let networkBytes = 0;
    let error = '';
    try {
      if (delayMs === 0) bytes = await done(this.chunks.transaction(CHUNKS).objectStore(CHUNKS).get(key));
      if (bytes === undefined) {
        const response = await fetch(new URL(file, this.image));
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        bytes = new Uint8Array(await response.arrayBuffer());
        networkBytes = bytes.length;
        // The cache is an optimisation: a failed put (quota) costs a refetch.
        this.chunks.transaction(CHUNKS, 'readwrite').objectStore(CHUNKS).put(bytes, key);
      }
    } catch (e) {
      bytes = undefined;
      error = message(e);
    }
    this.vm.chunk_fetched(file, bytes, error, networkBytes, Math.round(performance.now() - begin));
    this.wake();
  }

  /** Drops every change made to the image (the chunk cache stays). The
   *  disk is unusable afterwards. */
  async resetOverlay() {
    this.overlay.close();
    const request = indexedDB.deleteDatabase(this.overlayName);
    await done(request);
  }
}
