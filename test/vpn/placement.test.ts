import assert from 'node:assert/strict';
import { placeAttachments, type PlacementInput } from '../../src/vpn/placement.js';
import type { AttachmentSpec } from '../../src/vpn/types.js';
import { attachment } from './fixtures.js';

const instances: PlacementInput['instances'] = new Map([
  ['ns/red', { id: 'red', type: 'ipvpn' }],
  ['ns/blue', { id: 'blue', type: 'ipvpn' }],
  ['ns/green', { id: 'green', type: 'evpn' }],
  ['ns/broken', undefined],
]);

function place(
  list: [string, AttachmentSpec][],
  previousClaims = new Map<string, string>(),
  nodeName?: string,
) {
  return placeAttachments({ attachments: new Map(list), instances, nodeName, previousClaims });
}

describe('vpn/placement', () => {
  it('routes each attachment to the instance named in its namespace', () => {
    const out = place([
      ['ns/a', attachment({ mac: '52:54:00:00:00:01', ifname: 'tap1' }, 'red')],
      ['ns/b', attachment({ mac: '52:54:00:00:00:02', ifname: 'tap2' }, 'green')],
    ]);
    assert.deepEqual([...out.byInstance.keys()], ['red', 'green']);
    assert.deepEqual(out.problems, []);
  });

  it('reports a missing instance, a failed one, naming them', () => {
    const out = place([
      ['ns/a', attachment({ mac: '52:54:00:00:00:01' }, 'nope')],
      ['other/a', attachment({ mac: '52:54:00:00:00:01' }, 'red')],
      ['ns/c', attachment({ mac: '52:54:00:00:00:03' }, 'broken')],
    ]);
    assert.deepEqual(
      out.problems.map((p) => [p.kind, p.name, p.code]),
      [
        ['PortAttachment', 'ns/a', 'BGPD_ERR_VPN_INSTANCE_NOT_FOUND'],
        ['PortAttachment', 'ns/c', 'BGPD_ERR_VPN_INSTANCE_FAILED'],
        ['PortAttachment', 'other/a', 'BGPD_ERR_VPN_INSTANCE_NOT_FOUND'],
      ],
    );
    assert.match(out.problems[0]!.message, /ns\/nope/);
  });

  it('refuses one interface in two instances of the same type, naming both; other types may share it', () => {
    const out = place([
      ['ns/a', attachment({ mac: '52:54:00:00:00:01', ifname: 'tap1' }, 'red')],
      ['ns/b', attachment({ mac: '52:54:00:00:00:02', ifname: 'tap1' }, 'blue')],
      ['ns/c', attachment({ mac: '52:54:00:00:00:03', ifname: 'tap1' }, 'green')],
      ['ns/d', attachment({ mac: '52:54:00:00:00:04', ifname: 'tap1' }, 'red')],
    ]);
    assert.deepEqual(
      out.problems.map((p) => [p.name, p.code]),
      [['ns/b', 'BGPD_ERR_VPN_PORT_CONFLICT']],
    );
    assert.match(out.problems[0]!.message, /ns\/blue.*ns\/red.*ns\/a/);
    assert.deepEqual([...(out.byInstance.get('red')?.keys() ?? [])], ['ns/a', 'ns/d']);
  });

  it('lets the previous holder keep its interface', () => {
    const out = place(
      [
        ['ns/a', attachment({ mac: '52:54:00:00:00:01', ifname: 'tap1' }, 'red')],
        ['ns/z', attachment({ mac: '52:54:00:00:00:02', ifname: 'tap1' }, 'blue')],
      ],
      new Map([['ipvpn|tap1', 'ns/z']]),
    );
    assert.deepEqual(
      out.problems.map((p) => p.name),
      ['ns/a'],
    );
    assert.equal(out.claims.get('ipvpn|tap1'), 'ns/z');
  });

  it('skips attachments of other nodes', () => {
    const out = place(
      [
        ['ns/a', attachment({ mac: '52:54:00:00:00:01', nodeName: 'node-2' }, 'red')],
        ['ns/b', attachment({ mac: '52:54:00:00:00:02', nodeName: 'node-1' }, 'red')],
      ],
      new Map(),
      'node-1',
    );
    assert.deepEqual([...(out.byInstance.get('red')?.keys() ?? [])], ['ns/b']);
  });
});
