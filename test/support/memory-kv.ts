/** The subset of a Durable Object's SyncKvStorage the storage modules use, over a sorted Map; counts `list` calls. */
export function memoryKv(): SyncKvStorage & { lists: number } {
  const m = new Map<string, unknown>();
  const kv = {
    lists: 0,
    get: (k: string) => m.get(k),
    put: (k: string, v: unknown) => void m.set(k, structuredClone(v)),
    delete: (k: string) => m.delete(k),
    list: ({ prefix = "", limit = Number.POSITIVE_INFINITY }: { prefix?: string; limit?: number } = {}) => {
      kv.lists++;
      return [...m.entries()]
        .filter(([k]) => k.startsWith(prefix))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .slice(0, limit)
        [Symbol.iterator]();
    },
  };
  return kv as unknown as SyncKvStorage & { lists: number };
}
