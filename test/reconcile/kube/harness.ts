/**
 * Shared setup for the Kubernetes source tests: a fake API server, client-node clients
 * pointed at it, reflectors with test-sized timings, and the cleanup of all of them.
 */
import { strict as assert } from 'node:assert';
import { KubeConfig } from '@kubernetes/client-node';
import type { Clock, ManualClock } from '../../../src/lib/clock.js';
import {
  customResource,
  makeKubeClients,
  type KubeClients,
  type ResourceRef,
} from '../../../src/reconcile/kube/client.js';
import { Reflector, type ReflectorOptions } from '../../../src/reconcile/kube/reflector.js';
import { FakeKube, type FakeKubeOptions, type StoredObject } from '../../helpers/fake-kube/index.js';
import { waitFor } from '../../helpers/wait.js';

export const GROUP = { group: 'bagpipe.io', version: 'v1alpha1' } as const;
export const API_VERSION = 'bagpipe.io/v1alpha1';

export const peersRef: ResourceRef = { ...GROUP, plural: 'bgppeers' };
export const attachmentsRef: ResourceRef = { ...GROUP, plural: 'portattachments' };

export function peer(name: string, labels: Record<string, string> = {}, spec: object = {}): StoredObject {
  return {
    apiVersion: API_VERSION,
    kind: 'BgpPeer',
    metadata: { name, labels },
    spec: { peerAddress: '192.0.2.1', ...spec },
  };
}

export function attachment(namespace: string, name: string, nodeName: string): StoredObject {
  return {
    apiVersion: API_VERSION,
    kind: 'PortAttachment',
    metadata: { namespace, name },
    spec: { nodeName, vpnInstanceRef: { name: 'v1' }, macAddress: '52:54:00:00:00:01' },
  };
}

/**
 * One fake API server per test: `useHarness()` registers mocha hooks that start it before
 * each test and close it (and every reflector made through it) after.
 */
export class Harness {
  readonly #opts: FakeKubeOptions;
  #fake: FakeKube | undefined;
  #clients: KubeClients | undefined;
  #reflectors: Reflector[] = [];

  constructor(opts: FakeKubeOptions = {}) {
    this.#opts = opts;
  }

  get fake(): FakeKube {
    if (this.#fake === undefined) throw new Error('harness not started');
    return this.#fake;
  }

  get clients(): KubeClients {
    if (this.#clients === undefined) throw new Error('harness not started');
    return this.#clients;
  }

  async open(): Promise<void> {
    this.#fake = await FakeKube.start({ bookmarkIntervalMs: 200, ...this.#opts });
    const kc = new KubeConfig();
    kc.loadFromString(this.#fake.kubeconfig());
    this.#clients = makeKubeClients(kc);
  }

  /** A started reflector with short backoff; stopped by `close()`. */
  reflector(ref: ResourceRef, opts: Partial<ReflectorOptions> & { clock?: Clock } = {}): Reflector {
    const r = new Reflector({
      target: customResource(this.clients, ref),
      watch: this.clients.watch,
      backoff: { baseMs: 20, maxMs: 200, jitter: 0.5 },
      watchTimeoutSeconds: [300, 300],
      idleTimeoutMs: 60_000,
      ...opts,
    });
    this.#reflectors.push(r);
    r.start();
    return r;
  }

  async close(): Promise<void> {
    for (const r of this.#reflectors) r.stop();
    this.#reflectors = [];
    await this.#fake?.close();
    this.#fake = undefined;
    this.#clients = undefined;
  }
}

export function useHarness(opts: FakeKubeOptions = {}): Harness {
  const h = new Harness(opts);
  beforeEach(() => h.open());
  afterEach(() => h.close());
  return h;
}

/** Advances a ManualClock by `stepMs` per poll until `cond` holds (real deadline). */
export async function advanceUntil(
  clock: ManualClock,
  cond: () => boolean,
  what: string,
  stepMs = 1000,
): Promise<void> {
  await waitFor(
    () => {
      clock.advance(stepMs);
      return cond();
    },
    5000,
    { what },
  );
}

/** Samples the cache size on every change event. */
export function sizeSamples(r: Reflector): number[] {
  const sizes = [r.size];
  r.on('changed', () => sizes.push(r.size));
  return sizes;
}

export function assertNeverDropped(sizes: readonly number[]): void {
  for (let i = 1; i < sizes.length; i++) {
    assert.ok((sizes[i] ?? 0) >= (sizes[i - 1] ?? 0), `cache size dropped: ${sizes.join(',')}`);
  }
}
