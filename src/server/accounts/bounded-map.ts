// A map with a size cap that forgets the least recently used entry first:
// the memory bound for every per-key limiter here.
//
// A Map plus a doubly linked list in order of use. (Relying on a Map's
// insertion order instead, deleting its first key to evict, is quadratic in
// V8: deleted slots stay at the front of the table until it is rebuilt, and
// every `keys().next()` walks over them. 600,000 inserts into a cap of
// 100,000 took 30 s that way.)

interface Node<K, V> {
  key: K;
  value: V;
  /** Towards the least recently used end. */
  older: Node<K, V> | undefined;
  /** Towards the most recently used end. */
  newer: Node<K, V> | undefined;
}

export class BoundedMap<K, V> {
  readonly #nodes = new Map<K, Node<K, V>>();
  #oldest: Node<K, V> | undefined;
  #newest: Node<K, V> | undefined;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
  }

  get size(): number {
    return this.#nodes.size;
  }

  /** Reads and marks as recently used. */
  get(key: K): V | undefined {
    const node = this.#nodes.get(key);
    if (!node) return undefined;
    this.#unlink(node);
    this.#pushNewest(node);
    return node.value;
  }

  /** Reads without changing the order. */
  peek(key: K): V | undefined {
    return this.#nodes.get(key)?.value;
  }

  /** Stores as the most recently used, forgetting the least recently used past the cap. */
  set(key: K, value: V): void {
    const existing = this.#nodes.get(key);
    if (existing) {
      existing.value = value;
      this.#unlink(existing);
      this.#pushNewest(existing);
      return;
    }
    const node: Node<K, V> = { key, value, older: undefined, newer: undefined };
    this.#nodes.set(key, node);
    this.#pushNewest(node);
    while (this.#nodes.size > this.capacity && this.#oldest) this.delete(this.#oldest.key);
  }

  delete(key: K): boolean {
    const node = this.#nodes.get(key);
    if (!node) return false;
    this.#unlink(node);
    this.#nodes.delete(key);
    return true;
  }

  #unlink(node: Node<K, V>): void {
    if (node.older) node.older.newer = node.newer;
    else this.#oldest = node.newer;
    if (node.newer) node.newer.older = node.older;
    else this.#newest = node.older;
    node.older = node.newer = undefined;
  }

  #pushNewest(node: Node<K, V>): void {
    node.older = this.#newest;
    if (this.#newest) this.#newest.newer = node;
    else this.#oldest = node;
    this.#newest = node;
  }
}
