/**
 * The daemon's narrow control interface (ARCHITECTURE layer 4): what reconcilers call. Each
 * call takes the whole desired set of its concern (STYLE rule 12) and returns the problems of
 * individual objects instead of throwing, so one bad object never stops the others.
 */
import type { PeerConfig } from '../bgp/session/types.js';
import type { EffectivePortAttachment, EffectiveVpnInstance } from '../desired/defaults.js';
import type { DesiredKind } from '../desired/types.js';

export type { PeerConfig };

/** Why an object is not (fully) in force. `reason` is a CamelCase condition reason. */
export interface ObjectProblem {
  readonly kind: DesiredKind;
  /** objectName(namespace, name). */
  readonly name: string;
  readonly reason: string;
  readonly message: string;
}

export interface DaemonControl {
  /** Every peer this node should have a session with. */
  setPeers(peers: readonly PeerConfig[]): void;
  /** Every VPN instance and every port attachment of this node, keyed by objectName. */
  setVpn(
    instances: ReadonlyMap<string, EffectiveVpnInstance>,
    attachments: ReadonlyMap<string, EffectivePortAttachment>,
  ): readonly ObjectProblem[];
}
