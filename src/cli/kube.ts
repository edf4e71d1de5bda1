/**
 * The Kubernetes parts of the daemon, loaded by compose.ts with a dynamic import only when
 * `[DESIRED] kubernetes = true`: the client library is large, and most nodes use files.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Config } from '../daemon/config.js';
import type { DesiredStore } from '../desired/store.js';
import type { Logger } from '../lib/log.js';
import { makeKubeClients } from '../reconcile/kube/client.js';
import { KubeSource } from '../reconcile/kube/source.js';
import { KubeStatusSink } from '../reconcile/status/kube-sink.js';

export interface Kubernetes {
  readonly source: KubeSource;
  statusSink(): KubeStatusSink;
}

/** In-cluster or from `[DESIRED] kubeconfig`; one set of clients for the source and the status. */
export function kubernetes(
  config: Config,
  store: DesiredStore,
  nodeName: string,
  logger: Logger,
): Kubernetes {
  const kc = new KubeConfig();
  if (config.desired.kubeconfig !== undefined) kc.loadFromFile(config.desired.kubeconfig);
  else kc.loadFromDefault();
  const clients = makeKubeClients(kc);
  return {
    source: new KubeSource({ clients, store, nodeName, logger }),
    statusSink: () => new KubeStatusSink({ clients, nodeName, logger }),
  };
}
