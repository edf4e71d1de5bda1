/** The one map helper the route engine needs everywhere: get the value of `key`, creating it first. */
export interface Table<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): unknown;
}

export function getOrCreate<K, V>(map: Table<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}
