/**
 * A private directory for the dataplane tools (`bagpipe diff`, `bagpipe-bgp-cleanup`): a
 * bgp.conf naming the drivers, a desired.d and a state directory, and the desired objects the
 * tests write there.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LOCAL = '192.0.2.10';
const API = 'bagpipe.io/v1alpha1';

export const evpnInstance = (name: string, vni: number): object => ({
  apiVersion: API,
  kind: 'VpnInstance',
  metadata: { name, namespace: 'tenant' },
  spec: { type: 'evpn', vni, importRTs: ['64512:10'], exportRTs: ['64512:10'] },
});

export const attachment = (name: string, vpn: string, ifname: string, mac: string): object => ({
  apiVersion: API,
  kind: 'PortAttachment',
  metadata: { name, namespace: 'tenant' },
  spec: {
    vpnInstanceRef: { name: vpn },
    macAddress: mac,
    ipAddress: '10.10.0.1/24',
    localPort: { linuxInterface: ifname },
  },
});

export class ToolDir {
  readonly root = mkdtempSync(join(tmpdir(), 'bgpd-tool-'));
  readonly desired = join(this.root, 'desired.d');
  readonly state = join(this.root, 'state');
  readonly conf = join(this.root, 'bgp.conf');

  constructor(drivers: { evpn: string; ipvpn: string }) {
    mkdirSync(this.desired);
    mkdirSync(this.state);
    writeFileSync(
      this.conf,
      [
        '[BGP]',
        `local_address = ${LOCAL}`,
        'my_as = 64512',
        '[DATAPLANE_DRIVER_EVPN]',
        `dataplane_driver = ${drivers.evpn}`,
        '[DATAPLANE_DRIVER_IPVPN]',
        `dataplane_driver = ${drivers.ipvpn}`,
        '[DESIRED]',
        `directory = ${this.desired}`,
        `state_directory = ${this.state}`,
        'node_name = node-1',
        '',
      ].join('\n'),
    );
  }

  /** Writes `content` (JSON, or raw text) as `desired.d/<name>`. */
  write(name: string, content: unknown): string {
    const p = join(this.desired, name);
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return p;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
