/**
 * One raw object in, one entry or a list of issues out: apiVersion and kind, the schema, the
 * semantic rules, then defaults. Every source (files, Kubernetes, the REST API) goes through here.
 */
import type { BgpPeer, PortAttachment, VpnInstance } from '../api/gen/index.js';
import { API_VERSION } from './crd.js';
import { bgpPeerSpec, portAttachmentSpec, vpnInstanceSpec } from './defaults.js';
import { DesiredCodes, DesiredSpecError, issue, type Issue } from './errors.js';
import { checkBgpPeer, checkPortAttachment, checkVpnInstance } from './semantic.js';
import { isObject } from './structural.js';
import {
  clusterScoped,
  desiredKinds,
  isDesiredKind,
  keyOf,
  objectName,
  type AnyDesiredEntry,
  type DesiredKind,
} from './types.js';
import type { SchemaValidator } from './validate.js';

export const DEFAULT_NAMESPACE = 'default';

export interface AdmitOptions {
  /** A strict validator for files, an open one for custom resources. */
  readonly validator: SchemaValidator;
  readonly source: string;
  readonly origin: string;
  /** Custom resources must carry spec.nodeName on PortAttachments. */
  readonly requireNodeName: boolean;
  /** This node: the default nodeName of PortAttachments from files. */
  readonly nodeName?: string | undefined;
}

/** Who the object claims to be, as far as it could be read. */
export interface Identity {
  readonly kind: string | undefined;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

export type AdmitResult =
  | { readonly ok: true; readonly entry: AnyDesiredEntry }
  | { readonly ok: false; readonly identity: Identity; readonly issues: readonly Issue[] };

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function identityOf(raw: unknown): Identity {
  const obj = isObject(raw) ? raw : {};
  const meta = isObject(obj['metadata']) ? obj['metadata'] : {};
  return { kind: text(obj['kind']), namespace: text(meta['namespace']), name: text(meta['name']) };
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v)) deepFreeze(child);
  }
  return v;
}

function header(raw: unknown): Issue[] {
  if (!isObject(raw)) return [issue(DesiredCodes.schema, '', 'must be a JSON object')];
  const out: Issue[] = [];
  if (raw['apiVersion'] !== API_VERSION) {
    const got = raw['apiVersion'] === undefined ? 'missing' : `got ${JSON.stringify(raw['apiVersion'])}`;
    out.push(issue(DesiredCodes.apiVersion, '/apiVersion', `must be "${API_VERSION}" (${got})`));
  }
  if (!isDesiredKind(raw['kind'])) {
    const got = raw['kind'] === undefined ? 'missing' : `got ${JSON.stringify(raw['kind'])}`;
    out.push(issue(DesiredCodes.kind, '/kind', `must be one of ${desiredKinds.join(', ')} (${got})`));
  }
  return out;
}

function semantic(kind: DesiredKind, raw: unknown, opts: AdmitOptions): Issue[] {
  switch (kind) {
    case 'BgpPeer':
      return checkBgpPeer((raw as BgpPeer).spec);
    case 'VpnInstance':
      return checkVpnInstance((raw as VpnInstance).spec);
    case 'PortAttachment':
      return checkPortAttachment((raw as PortAttachment).spec, opts);
  }
}

function build(kind: DesiredKind, raw: unknown, namespace: string, opts: AdmitOptions): AnyDesiredEntry {
  const name = (raw as BgpPeer).metadata.name;
  const base = {
    namespace,
    name,
    key: keyOf({ kind, namespace, name }),
    source: opts.source,
    origin: opts.origin,
  };
  switch (kind) {
    case 'BgpPeer': {
      const object = raw as BgpPeer;
      return { ...base, kind, object, spec: bgpPeerSpec(object.spec) };
    }
    case 'VpnInstance': {
      const object = raw as VpnInstance;
      return { ...base, kind, object, spec: vpnInstanceSpec(object.spec, name) };
    }
    case 'PortAttachment': {
      const object = raw as PortAttachment;
      return { ...base, kind, object, spec: portAttachmentSpec(object.spec, opts) };
    }
  }
}

/**
 * Checks and normalises one object. The caller hands `raw` over: on success it is deep-frozen
 * and kept as `entry.object` (pass a copy if you still need to change yours).
 */
export function admit(raw: unknown, opts: AdmitOptions): AdmitResult {
  const identity = identityOf(raw);
  const fail = (issues: readonly Issue[]): AdmitResult => ({ ok: false, identity, issues });
  const head = header(raw);
  if (head.length) return fail(head);
  const kind = identity.kind as DesiredKind;
  const schemaIssues = opts.validator.validate(kind, raw);
  if (schemaIssues.length) return fail(schemaIssues);
  const semanticIssues = semantic(kind, raw, opts);
  if (semanticIssues.length) return fail(semanticIssues);
  const namespace = clusterScoped.has(kind) ? '' : (identity.namespace ?? DEFAULT_NAMESPACE);
  return { ok: true, entry: deepFreeze(build(kind, raw, namespace, opts)) };
}

/** `admit`, throwing a `DesiredSpecError` (code of the first issue, all issues attached). */
export function admitOrThrow(raw: unknown, opts: AdmitOptions): AnyDesiredEntry {
  const r = admit(raw, opts);
  if (r.ok) return r.entry;
  const { kind, namespace, name } = r.identity;
  throw new DesiredSpecError(`${kind ?? '?'} ${objectName(namespace ?? '', name ?? '?')}`, r.issues);
}
