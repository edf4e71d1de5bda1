/**
 * TCP MD5 keys of BgpPeers from Kubernetes Secrets (`spec.passwordSecretRef`), read on demand
 * (the daemon asks when it (re)configures a peer, so a rotated Secret is picked up). A ref
 * without a namespace means the daemon's namespace, the one manifests/rbac.yaml grants Secrets
 * in. Errors are `SecretError`s naming the peer and the Secret.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { EffectiveBgpPeer } from '../../desired/defaults.js';
import { errorMessage } from '../../lib/errors.js';
import type { KubeClients } from './client.js';
import { readSecretKey, SecretError, type SecretKeyRef } from './secrets.js';

export type ReadSecret = (ref: SecretKeyRef) => Promise<string>;

export interface PeerPasswordOptions {
  readonly clients: KubeClients;
  /** Default: the namespace of the KubeConfig's context (in-cluster: the pod's), else "default". */
  readonly secretNamespace?: string;
  readonly readSecret?: ReadSecret;
}

/** A Secret that could not give a peer its key; `code` is the underlying SecretError's. */
export class PeerSecretError extends SecretError {
  /** The BgpPeer name (its address when the name is not known). */
  readonly peer: string;

  constructor(peer: string, ref: SecretKeyRef, cause: unknown) {
    const inner = cause instanceof SecretError ? cause : undefined;
    const detail =
      inner?.message ?? `Secret ${ref.namespace}/${ref.name}: cannot read: ${errorMessage(cause)}`;
    const status = inner?.status;
    super(inner?.code ?? 'BGPD_ERR_SECRET_READ', ref, `BgpPeer ${peer}: ${detail}`, {
      cause,
      ...(status === undefined ? {} : { status }),
    });
    this.peer = peer;
  }
}

function contextNamespace(kc: KubeConfig): string | undefined {
  const ns = kc.getContextObject(kc.getCurrentContext())?.namespace;
  return ns === undefined || ns === '' ? undefined : ns;
}

export class PeerPasswords {
  /** Names of the peers this source produced, keyed by the effective spec the daemon holds. */
  readonly #names = new WeakMap<EffectiveBgpPeer, string>();
  readonly #namespace: string;
  readonly #read: ReadSecret;

  constructor(o: PeerPasswordOptions) {
    this.#namespace = o.secretNamespace ?? contextNamespace(o.clients.kubeConfig) ?? 'default';
    this.#read = o.readSecret ?? ((ref) => readSecretKey(o.clients.core, ref));
  }

  /** The namespace of refs without one. */
  get defaultNamespace(): string {
    return this.#namespace;
  }

  remember(peer: EffectiveBgpPeer, name: string): void {
    this.#names.set(peer, name);
  }

  async passwordFor(peer: EffectiveBgpPeer): Promise<string | undefined> {
    const r = peer.passwordSecretRef;
    if (r === undefined) return undefined;
    const ref: SecretKeyRef = { namespace: r.namespace ?? this.#namespace, name: r.name, key: r.key };
    try {
      return await this.#read(ref);
    } catch (e) {
      throw new PeerSecretError(this.#names.get(peer) ?? peer.peerAddress, ref, e);
    }
  }
}
