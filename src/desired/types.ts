/**
 * The shapes the desired store holds and hands out: entries (a validated object plus its
 * normalised effective spec), reports of rejected objects, and object keys.
 */
import type { BgpPeer, PortAttachment, VpnInstance } from '../api/gen/index.js';
import type { EffectiveBgpPeer, EffectivePortAttachment, EffectiveVpnInstance } from './defaults.js';
import type { DeepReadonly } from './readonly.js';
import type { Issue } from './errors.js';

export type { DeepReadonly } from './readonly.js';

/** Kinds a source may produce (BagpipeNodeState is status, written by the daemon). */
export const desiredKinds = ['BgpPeer', 'VpnInstance', 'PortAttachment'] as const;
export type DesiredKind = (typeof desiredKinds)[number];

export const clusterScoped: ReadonlySet<DesiredKind> = new Set(['BgpPeer']);

export function isDesiredKind(v: unknown): v is DesiredKind {
  return typeof v === 'string' && (desiredKinds as readonly string[]).includes(v);
}

export interface KindTypes {
  BgpPeer: { object: BgpPeer; spec: EffectiveBgpPeer };
  VpnInstance: { object: VpnInstance; spec: EffectiveVpnInstance };
  PortAttachment: { object: PortAttachment; spec: EffectivePortAttachment };
}

/** Which object: namespace is "" for cluster-scoped kinds. */
export interface ObjectRef {
  readonly kind: DesiredKind;
  readonly namespace: string;
  readonly name: string;
}

/** "name" for cluster-scoped objects, "namespace/name" otherwise (as kubectl prints them). */
export function objectName(namespace: string, name: string): string {
  return namespace === '' ? name : `${namespace}/${name}`;
}

/** A unique string per (kind, namespace, name). */
export function keyOf(ref: ObjectRef): string {
  return `${ref.kind}/${objectName(ref.namespace, ref.name)}`;
}

/** One valid object in force. `object` is as written (deep-frozen); `spec` has every default applied. */
export interface DesiredEntry<K extends DesiredKind = DesiredKind> extends ObjectRef {
  readonly kind: K;
  /** keyOf(this). */
  readonly key: string;
  /** The source that produced it ("file", "kubernetes", …). */
  readonly source: string;
  /** Where in that source: the file name for files. */
  readonly origin: string;
  readonly object: DeepReadonly<KindTypes[K]['object']>;
  readonly spec: KindTypes[K]['spec'];
}

export type AnyDesiredEntry = { [K in DesiredKind]: DesiredEntry<K> }[DesiredKind];

/** A rejected object (or file). Identity fields are undefined when they could not be read. */
export interface InvalidReport {
  readonly source: string;
  /** The file name for files. */
  readonly origin: string;
  /** Position in the file's JSON array; undefined for a file holding one object, or for the file itself. */
  readonly index: number | undefined;
  readonly kind: string | undefined;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly issues: readonly Issue[];
  /** True when an earlier valid version stays in force instead. */
  readonly lastGoodInForce: boolean;
}
