/**
 * The pure translation of bagpipe attach/detach bodies into VpnInstance + PortAttachment objects:
 * every field form, attach and detach semantics, and the bad-payload corpus (codes and fields).
 */
import assert from 'node:assert/strict';
import {
  instanceName,
  RestInputError,
  serialize,
  translateAttach,
  translateDetach,
  type InstanceDoc,
  type RestState,
} from '../../../src/reconcile/rest/index.js';
import { applied, badBody, badCases, evpnBody, ipvpnBody, opts, replay } from './fixtures.js';

type Json = Record<string, unknown>;

const attach = (state: RestState, body: Json): Map<string, InstanceDoc> =>
  applied(state, translateAttach(state, body, opts));
const detach = (state: RestState, body: Json): Map<string, InstanceDoc> =>
  applied(state, translateDetach(state, body, opts));

function rejects(fn: () => unknown, code: string, field: string | null): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof RestInputError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.field ?? null, field, e.message);
    return true;
  });
}

const doc = (state: RestState, id: string): InstanceDoc => {
  const d = state.get(instanceName(id));
  assert.ok(d, `no instance ${id}`);
  return d;
};

describe('REST translate: attach', () => {
  it('turns a minimal ipvpn attach into a VpnInstance and a PortAttachment', () => {
    const t = translateAttach(new Map(), ipvpnBody(), opts);
    assert.deepEqual([...t.changes.keys()], ['vrf1']);
    const d = t.changes.get('vrf1');
    const labels = { 'app.kubernetes.io/managed-by': 'bagpipe-rest-api' };
    assert.deepEqual(d?.instance, {
      apiVersion: 'bagpipe.io/v1alpha1',
      kind: 'VpnInstance',
      metadata: { name: 'vrf1', namespace: 'bagpipe-rest', labels },
      spec: {
        type: 'ipvpn',
        vpnInstanceId: 'vrf1',
        importRTs: ['64512:1'],
        exportRTs: ['64512:1'],
        gatewayIP: '10.0.0.254',
      },
    });
    assert.deepEqual(d.attachments, [
      {
        apiVersion: 'bagpipe.io/v1alpha1',
        kind: 'PortAttachment',
        metadata: { name: 'vrf1.525400000001.ip-10-0-0-1-24', namespace: 'bagpipe-rest', labels },
        spec: {
          vpnInstanceRef: { name: 'vrf1' },
          macAddress: '52:54:00:00:00:01',
          ipAddress: '10.0.0.1/24',
          localPort: { linuxInterface: 'tap1' },
        },
      },
    ]);
    assert.deepEqual(t.warnings, []);
  });

  it('reads RTs as lists or comma-separated strings: deduplicated, canonical, sorted; route_target adds to both', () => {
    const s = attach(
      new Map(),
      ipvpnBody({
        import_rt: '64512:02, 64512:1,,64512:1 ',
        export_rt: ['1.2.3.4:5'],
        route_target: '64512:9',
      }),
    );
    const spec = doc(s, 'vrf1').instance.spec;
    assert.deepEqual(spec.importRTs, ['64512:1', '64512:2', '64512:9']);
    assert.deepEqual(spec.exportRTs, ['1.2.3.4:5', '64512:9']);
  });

  it('names the same endpoint whatever the MAC spelling and a bare IP or its /32', () => {
    let s = attach(new Map(), ipvpnBody({ mac_address: '52-54-00-00-00-01', ip_address: '10.0.0.1' }));
    s = attach(s, ipvpnBody({ mac_address: '52:54:00:00:00:01', ip_address: '10.0.0.1/32' }));
    const d = doc(s, 'vrf1');
    assert.deepEqual(
      d.attachments.map((a) => [a.metadata.name, a.spec.macAddress, a.spec.ipAddress]),
      [['vrf1.525400000001.ip-10-0-0-1-32', '52:54:00:00:00:01', '10.0.0.1/32']],
    );
  });

  it('maps the OVS agent body: ovs port, local VLAN, fallback, local_pref, JSON description, linuxif kept', () => {
    const body = replay.attach[0] as Json;
    const s = attach(new Map(), body);
    const d = doc(s, body['vpn_instance_id'] as string);
    assert.equal(d.instance.metadata.name, instanceName(body['vpn_instance_id'] as string));
    assert.match(d.instance.metadata.name, /^ipvpn-8a3f6f0e-1d2b-4c5a-9e7f-[0-9a-f]+-[0-9a-f]{12}$/);
    assert.deepEqual(d.instance.spec.importRTs, ['64512:100', '64512:101']);
    assert.deepEqual(d.instance.spec.fallback, {
      srcMac: '00:00:5e:2a:10:00',
      dstMac: 'fa:16:3e:00:aa:01',
      ovsPortNumber: 5,
    });
    assert.equal(d.instance.spec.description, 'BGPVPN network 8a3f6f0e-1d2b-4c5a-9e7f-0123456789ab');
    const [a] = d.attachments;
    assert.deepEqual(a?.spec.localPort, { ovs: { portNumber: 4, vlan: 3, plugged: true } });
    assert.deepEqual(a.metadata.annotations, { 'bagpipe.io/linuxif': 'patch2tun:3' });
    assert.equal(a.spec.localPref, 200);
    assert.equal(a.spec.description, '{"port":"f3c1a2b4-5d6e-4f70-8a9b-0c1d2e3f4a5b"}');
    assert.equal(a.spec.ipAddress, '10.0.1.5');
  });

  it('names an OVS port by linuxif when ovs gives neither name nor number; unused ovs keys are warnings', () => {
    const t = translateAttach(
      new Map(),
      ipvpnBody({
        local_port: { linuxif: 'qvo1', ovs: { plugged: false, vlan: '42', to_vm_port_number: 9 } },
      }),
      opts,
    );
    const [a] = t.changes.get('vrf1')?.attachments ?? [];
    assert.deepEqual(a?.spec.localPort, { ovs: { portName: 'qvo1', vlan: 42, plugged: false } });
    assert.equal(a.metadata.annotations, undefined);
    assert.deepEqual(t.warnings, [
      'local_port.ovs.to_vm_port_number ignored: documented by bagpipe, never used',
    ]);
  });

  it('maps the E-VPN bodies: local_port.vlan and vni (OVS), tap, linuxbr and vni (linuxbridge)', () => {
    let s = attach(new Map(), replay.attach[3] as Json);
    s = attach(s, replay.attach[4] as Json);
    const ovs = doc(s, 'evpn_2c4e6a8b-0d1f-4e3a-8b5c-7d9e1f3a5b7c');
    assert.equal(ovs.instance.spec.vni, 1007);
    assert.equal(ovs.instance.spec.type, 'evpn');
    assert.deepEqual(ovs.attachments[0]?.spec.localPort, { linuxInterface: 'patch2tun:7', vlan: 7 });
    const lb = doc(s, 'evpn_9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a');
    assert.equal(lb.instance.spec.linuxBridge, 'brq9d8c7b6a-5f');
    assert.equal(lb.instance.spec.vni, 300);
    assert.deepEqual(lb.instance.spec.importRTs, ['64512:300', '64512:301']);
    const [tap] = lb.attachments;
    assert.ok(tap);
    assert.deepEqual(
      [tap.spec.localPort, tap.spec.macAddress],
      [{ linuxInterface: 'tapc2d3e4f5-a6' }, 'FA:16:3E:55:66:77'],
    );
  });

  it('maps readvertise and attract_traffic (to_rt, static prefixes); `to` is a warning as bagpipe ignores it', () => {
    const t = translateAttach(
      new Map(),
      ipvpnBody({
        readvertise: { from_rt: ['64512:10'], to_rt: '64512:11' },
        attract_traffic: {
          redirect_rts: ['64512:12'],
          classifier: { destinationPort: 80, protocol: 'tcp', sourcePrefix: '10.1.0.0/16' },
          to_rt: ['64512:11'],
          static_destination_prefixes: ['0.0.0.0/0'],
          to: ['64512:13'],
        },
      }),
      opts,
    );
    const spec = t.changes.get('vrf1')?.instance.spec;
    assert.deepEqual(spec?.readvertise, { fromRTs: ['64512:10'], toRTs: ['64512:11'] });
    assert.deepEqual(spec.attractTraffic, {
      redirectRTs: ['64512:12'],
      classifier: { destinationPort: '80', protocol: 'tcp', sourcePrefix: '10.1.0.0/16' },
      toRT: '64512:11',
      staticDestinationPrefixes: ['0.0.0.0/0'],
    });
    assert.deepEqual(t.warnings, ['attract_traffic.to ignored: bagpipe reads only attract_traffic.to_rt']);
  });

  it('treats attract_traffic {} and readvertise null as absent (bagpipe-rest-attach sends them)', () => {
    const t = translateAttach(new Map(), ipvpnBody({ attract_traffic: {}, readvertise: null, vni: 0 }), opts);
    const spec = t.changes.get('vrf1')?.instance.spec;
    assert.equal(spec?.attractTraffic, undefined);
    assert.equal(spec?.readvertise, undefined);
    assert.equal(spec?.vni, undefined);
  });

  it('warns about unknown keys and fields of the other VPN type, and ignores them', () => {
    const t = translateAttach(
      new Map(),
      evpnBody({ frobnicate: 1, fallback: { src_mac: 'x' }, readvertise: { to_rt: [] } }),
      opts,
    );
    assert.deepEqual(t.warnings, [
      'frobnicate ignored: unknown field (bagpipe ignores it too)',
      'readvertise ignored: only for ipvpn',
      'fallback ignored: only for ipvpn',
    ]);
    assert.equal(t.changes.get('evi1')?.instance.spec.fallback, undefined);
  });

  it('is idempotent: the same attach twice gives the same bytes', () => {
    const s1 = attach(new Map(), replay.attach[0] as Json);
    const s2 = attach(s1, replay.attach[0] as Json);
    const id = instanceName(replay.attach[0]?.['vpn_instance_id'] as string);
    assert.equal(serialize(s2.get(id) as InstanceDoc), serialize(s1.get(id) as InstanceDoc));
  });

  it('replaces the RT sets on every attach (last writer wins), like bagpipe update_route_targets', () => {
    let s = attach(new Map(), ipvpnBody());
    s = attach(
      s,
      ipvpnBody({
        mac_address: '52:54:00:00:00:09',
        ip_address: '10.0.0.9',
        import_rt: ['64512:5'],
        export_rt: [],
      }),
    );
    const d = doc(s, 'vrf1');
    assert.deepEqual(d.instance.spec.importRTs, ['64512:5']);
    assert.deepEqual(d.instance.spec.exportRTs, []);
    assert.equal(d.attachments.length, 2);
  });

  it('keeps creation-only fields (and warns), overwrites instance_description, replaces fallback only when given', () => {
    const fb = { src_mac: '00:00:5e:2a:10:00', dst_mac: 'fa:16:3e:00:aa:01', ovs_port_number: 5 };
    let s = attach(new Map(), ipvpnBody({ vni: 10, instance_description: 'first', fallback: fb }));
    const t = translateAttach(s, ipvpnBody({ vni: 11, gateway_ip: '10.0.0.1', fallback: null }), opts);
    assert.deepEqual(t.warnings, [
      'vni 11 ignored: set when the instance was created (10)',
      'gateway_ip "10.0.0.1" ignored: set when the instance was created ("10.0.0.254")',
    ]);
    s = applied(s, t);
    const spec = doc(s, 'vrf1').instance.spec;
    assert.equal(spec.vni, 10);
    assert.equal(spec.gatewayIP, '10.0.0.254');
    assert.equal(spec.description, undefined);
    assert.equal(spec.fallback?.ovsPortNumber, 5);
    s = attach(s, ipvpnBody({ fallback: { ...fb, ovs_port_number: 6 } }));
    assert.equal(doc(s, 'vrf1').instance.spec.fallback?.ovsPortNumber, 6);
  });

  it('refuses a MAC on another port and a host IP held by another MAC; a shared advertised subnet is fine', () => {
    const s = attach(new Map(), ipvpnBody());
    rejects(
      () => translateAttach(s, ipvpnBody({ local_port: 'tap9' }), opts),
      'BGPD_ERR_REST_CONFLICT',
      'local_port',
    );
    rejects(
      () =>
        translateAttach(s, ipvpnBody({ mac_address: '52:54:00:00:00:05', ip_address: '10.0.0.1/32' }), opts),
      'BGPD_ERR_REST_CONFLICT',
      'ip_address',
    );
    const subnet = { ip_address: '20.0.0.0/24', advertise_subnet: true };
    let s2 = attach(s, ipvpnBody({ ...subnet }));
    s2 = attach(s2, ipvpnBody({ ...subnet, mac_address: '52:54:00:00:00:05', local_port: 'tap5' }));
    assert.equal(doc(s2, 'vrf1').attachments.length, 3);
    assert.equal(doc(s2, 'vrf1').instance.spec.advertiseSubnet, true);
  });

  it('replaces an IP-less plug of a MAC by its first IP plug', () => {
    let s = attach(new Map(), evpnBody());
    assert.equal(doc(s, 'evi1').attachments[0]?.metadata.name, 'evi1.525400000002');
    s = attach(s, evpnBody({ ip_address: '10.2.0.2' }));
    assert.deepEqual(
      doc(s, 'evi1').attachments.map((a) => a.metadata.name),
      ['evi1.525400000002.ip-10-2-0-2-32'],
    );
  });

  it('refuses another type under the same id, and a VNI another instance uses', () => {
    const s = attach(new Map(), evpnBody({ vni: 5000 }));
    rejects(
      () => translateAttach(s, ipvpnBody({ vpn_instance_id: 'evi1' }), opts),
      'BGPD_ERR_REST_CONFLICT',
      'vpn_type',
    );
    rejects(
      () => translateAttach(s, evpnBody({ vpn_instance_id: 'evi2', vni: 5000 }), opts),
      'BGPD_ERR_REST_CONFLICT',
      'vni',
    );
  });

  it('links an E-VPN into an IP VPN once, and only an existing E-VPN', () => {
    let s = attach(new Map(), evpnBody());
    const link = { local_port: { evpn: { id: 'evi1' } } };
    s = attach(s, ipvpnBody(link));
    assert.deepEqual(doc(s, 'vrf1').attachments[0]?.spec.localPort, {
      evpn: { vpnInstanceRef: { name: 'evi1' } },
    });
    rejects(
      () => translateAttach(s, ipvpnBody({ ...link, vpn_instance_id: 'vrf2' }), opts),
      'BGPD_ERR_REST_CONFLICT',
      'local_port.evpn.id',
    );
    const s2 = attach(s, evpnBody({ vpn_instance_id: 'evi2' }));
    rejects(
      () =>
        translateAttach(
          s2,
          ipvpnBody({ local_port: { evpn: { id: 'evi2' } }, mac_address: '52:54:00:00:00:07' }),
          opts,
        ),
      'BGPD_ERR_REST_CONFLICT',
      'local_port.evpn.id',
    );
    rejects(
      () =>
        translateAttach(
          s,
          ipvpnBody({ local_port: { evpn: { id: 'vrf1' } }, vpn_instance_id: 'vrf3' }),
          opts,
        ),
      'BGPD_ERR_REST_CONFLICT',
      'local_port.evpn.id',
    );
    rejects(
      () => translateAttach(s, ipvpnBody({ local_port: { linuxif: 'x', evpn: { id: 'evi1' } } }), opts),
      'BGPD_ERR_REST_INVALID_FIELD',
      'local_port.linuxif',
    );
  });

  for (const c of badCases.filter((x) => x.op !== 'detach' && x.raw === undefined)) {
    it(`rejects: ${c.name} (400 naming ${String(c.field)})`, () => {
      rejects(() => translateAttach(new Map(), JSON.parse(badBody(c)), opts), c.code, c.field);
    });
  }
});

describe('REST translate: detach', () => {
  it('removes one endpoint, and the instance with its last endpoint', () => {
    let s = attach(new Map(), ipvpnBody());
    s = attach(
      s,
      ipvpnBody({ mac_address: '52:54:00:00:00:09', ip_address: '10.0.0.9', local_port: 'tap9' }),
    );
    s = detach(s, {
      vpn_type: 'ipvpn',
      vpn_instance_id: 'vrf1',
      mac_address: '52:54:00:00:00:09',
      ip_address: '10.0.0.9/32',
      local_port: 'whatever',
    });
    assert.equal(doc(s, 'vrf1').attachments.length, 1);
    const t = translateDetach(s, ipvpnBody(), opts);
    assert.deepEqual([...t.changes], [['vrf1', null]]);
  });

  it('E-VPN without ip_address is a wildcard: every endpoint of the MAC goes', () => {
    let s = attach(new Map(), evpnBody({ ip_address: '10.2.0.2' }));
    s = attach(s, evpnBody({ ip_address: '10.2.0.3' }));
    s = attach(s, evpnBody({ mac_address: '52:54:00:00:00:03', ip_address: '10.2.0.4' }));
    s = detach(s, {
      vpn_type: 'evpn',
      vpn_instance_id: 'evi1',
      mac_address: '52:54:00:00:00:02',
      local_port: 'tap2',
    });
    assert.deepEqual(
      doc(s, 'evi1').attachments.map((a) => a.spec.ipAddress),
      ['10.2.0.4'],
    );
  });

  it('answers bagpipe errors: unknown VPN, endpoint not plugged, IP of another MAC, IP needed for ipvpn', () => {
    const s = attach(new Map(), ipvpnBody());
    const body = (over: Json): Json => ({
      vpn_type: 'ipvpn',
      vpn_instance_id: 'vrf1',
      mac_address: '52:54:00:00:00:01',
      ip_address: '10.0.0.1',
      local_port: 'tap1',
      ...over,
    });
    rejects(
      () => translateDetach(s, body({ vpn_instance_id: 'nope' }), opts),
      'BGPD_ERR_REST_VPN_NOT_FOUND',
      'vpn_instance_id',
    );
    rejects(
      () => translateDetach(s, body({ mac_address: '52:54:00:00:00:08' }), opts),
      'BGPD_ERR_REST_NOT_PLUGGED',
      'mac_address',
    );
    rejects(
      () => translateDetach(s, body({ ip_address: '10.0.0.2' }), opts),
      'BGPD_ERR_REST_NOT_PLUGGED',
      'ip_address',
    );
    const s2 = attach(
      s,
      ipvpnBody({ mac_address: '52:54:00:00:00:08', ip_address: '10.0.0.8', local_port: 'tap8' }),
    );
    rejects(
      () => translateDetach(s2, body({ ip_address: '10.0.0.8' }), opts),
      'BGPD_ERR_REST_CONFLICT',
      'ip_address',
    );
    rejects(
      () => translateDetach(s, body({ ip_address: null }), opts),
      'BGPD_ERR_REST_MISSING_FIELD',
      'ip_address',
    );
    rejects(
      () => translateDetach(s, body({ local_port: 42 }), opts),
      'BGPD_ERR_REST_INVALID_FIELD',
      'local_port',
    );
    rejects(() => translateDetach(s, body({ vpn_type: 'evpn' }), opts), 'BGPD_ERR_REST_CONFLICT', 'vpn_type');
  });

  it('keeps an emptied E-VPN while an IP VPN links it, and removes it with the link', () => {
    let s = attach(new Map(), evpnBody());
    s = attach(s, ipvpnBody({ local_port: { evpn: { id: 'evi1' } } }));
    s = detach(s, {
      vpn_type: 'evpn',
      vpn_instance_id: 'evi1',
      mac_address: '52:54:00:00:00:02',
      local_port: 'tap2',
    });
    assert.deepEqual(doc(s, 'evi1').attachments, []);
    const t = translateDetach(s, { ...ipvpnBody(), local_port: { evpn: { id: 'evi1' } } }, opts);
    assert.deepEqual(
      [...t.changes],
      [
        ['vrf1', null],
        ['evi1', null],
      ],
    );
  });

  it('replays the agent: every attach, then every detach, leaves nothing', () => {
    let s: RestState = new Map();
    for (const b of replay.attach) s = attach(s, b);
    assert.equal(s.size, 5);
    for (const b of replay.detach) s = detach(s, b);
    assert.equal(s.size, 0);
  });
});
