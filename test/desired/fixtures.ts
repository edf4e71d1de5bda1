/**
 * Objects and temp directories shared by the desired-state tests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdmitOptions } from '../../src/desired/admit.js';
import { createValidator } from '../../src/desired/validate.js';

export const API = 'bagpipe.io/v1alpha1';

type Raw = Record<string, unknown>;

/** A desired object as a file holds it; cluster-scoped kinds get no namespace. */
export function object(kind: string, name: string, namespace: string | undefined, spec: Raw): Raw {
  return { apiVersion: API, kind, metadata: namespace === undefined ? { name } : { name, namespace }, spec };
}

export function bgpPeer(name: string, spec: Raw = {}): Raw {
  return object('BgpPeer', name, undefined, { peerAddress: '192.0.2.1', ...spec });
}

export function vpnInstance(name: string, spec: Raw = {}, namespace = 'tenant'): Raw {
  return object('VpnInstance', name, namespace, {
    type: 'ipvpn',
    importRTs: ['64512:1'],
    exportRTs: ['64512:1'],
    ...spec,
  });
}

export function portAttachment(name: string, spec: Raw = {}, namespace = 'tenant'): Raw {
  const port = {
    vpnInstanceRef: { name: 'vpn1' },
    macAddress: '52:54:00:AA:00:01',
    ipAddress: '10.0.0.1/24',
  };
  return object('PortAttachment', name, namespace, {
    ...port,
    localPort: { linuxInterface: 'tap1' },
    ...spec,
  });
}

/** How the file source admits objects, on node-1. */
export const fileAdmitOptions: AdmitOptions = {
  validator: createValidator({ strict: true }),
  source: 'file',
  origin: 'x.json',
  requireNodeName: false,
  nodeName: 'node-1',
};

/** A fresh directory under the OS temp dir; `remove()` deletes it. */
export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'bagpipe-desired-'));

  file(name: string): string {
    return join(this.path, name);
  }

  write(name: string, content: unknown): string {
    const path = this.file(name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}
