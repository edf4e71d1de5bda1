/**
 * The flows an IP VPN instance wants, as exact text (the form `ovs-ofctl dump-flows` prints):
 * table layout, encapsulations, TTL rule, ECMP bucket order, ARP responder, fallback, and the
 * entries refused with a reason while the rest of the instance is still programmed.
 */
import assert from 'node:assert/strict';
import {
  addDriverFlows,
  addInstance,
  type OvsIpvpnInstance,
  type SwitchView,
} from '../../../src/dataplane/ovs/flows.js';
import { flowText, Wanted } from '../../../src/dataplane/ovs/wanted.js';
import { instanceIds, type OvsConfig } from '../../../src/dataplane/ovs/names.js';
import { config, COOKIE, instance, LOCAL, ports, REG, TO_VRF, vx } from './fixtures.js';

const VRF_T = `cookie=${COOKIE},table=2`;

function build(
  inst: OvsIpvpnInstance,
  c: OvsConfig = config,
  neigh = new Map<string, string>(),
): { w: Wanted; texts: string[] } {
  const sw: SwitchView = { c, ports, neigh };
  const w = new Wanted();
  addInstance(w, inst, instanceIds(inst.id), sw);
  return { w, texts: [...w.flows.values()].map(flowText) };
}

describe('ovs flows', () => {
  it('writes the input, encap-in and VRF flows of an instance as OVS prints them', () => {
    const { w, texts } = build(instance());
    const port = `set_field:0->in_port,set_field:0x2->reg1,${TO_VRF}`;
    assert.deepEqual(texts, [
      `cookie=${COOKIE},table=1,priority=36864,tun_id=0x1389,in_port=1 actions=${TO_VRF}`,
      `cookie=${COOKIE},table=1,priority=36864,mpls,mpls_label=5001,mpls_bos=1 actions=pop_mpls:0x0800,${TO_VRF}`,
      `cookie=${COOKIE},table=0,priority=36864,ip,in_port=2 actions=${port}`,
      `cookie=${COOKIE},table=0,priority=36864,arp,in_port=2 actions=${port}`,
      `${VRF_T},priority=36768,ip,${REG},nw_dst=10.0.0.2 actions=set_field:00:00:5e:00:43:64->eth_src,set_field:02:00:00:00:00:02->eth_dst,output:2`,
      `${VRF_T},priority=36768,ip,${REG},nw_dst=10.0.0.3 actions=set_field:0x138a->tun_id,set_field:172.31.0.2->tun_dst,` +
        'set_field:02:b9:ac:1f:00:01->eth_src,set_field:02:b9:ac:1f:00:02->eth_dst,output:1',
      `${VRF_T},priority=36864,arp,${REG},dl_dst=ff:ff:ff:ff:ff:ff,arp_tpa=10.0.0.1,arp_op=1 actions=` +
        'move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:00:00:5e:00:43:64->eth_src,set_field:2->arp_op,' +
        'move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],push:NXM_OF_ARP_TPA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],' +
        'set_field:00:00:5e:00:43:64->arp_sha,pop:NXM_OF_ARP_SPA[],output:NXM_NX_REG1[0..15]',
    ]);
    assert.deepEqual(w.errors, []);
  });

  it("receives a port's own label (VXLAN VNI and MPLS label) straight to the port, as bagpipe's to-port flows", () => {
    const localPorts = [{ ifname: 'tap1', mac: '02:00:00:00:00:02', ip: '10.0.0.2', label: 17 }];
    const { w, texts } = build(instance({ localPorts }));
    const out = 'set_field:00:00:5e:00:43:64->eth_src,set_field:02:00:00:00:00:02->eth_dst,output:2';
    assert.deepEqual(
      texts.filter((t) => t.includes('=17,') || t.includes('=0x11,')),
      [
        `cookie=${COOKIE},table=1,priority=36864,tun_id=0x11,in_port=1 actions=${out}`,
        `cookie=${COOKIE},table=1,priority=36864,mpls,mpls_label=17,mpls_bos=1 actions=pop_mpls:0x0800,${out}`,
      ],
    );
    assert.deepEqual(w.errors, []);
    // The instance's own label needs no flow of its own; a label out of MPLS range is refused.
    const same = build(instance({ localPorts: [{ ...localPorts[0]!, label: 5001 }] }));
    assert.deepEqual(same.texts, build(instance()).texts);
    const bad = build(instance({ localPorts: [{ ...localPorts[0]!, label: 15 }] }));
    assert.deepEqual(bad.w.errors, [
      { entry: 'ipvpn vrf-1 port tap1', message: 'MPLS label out of range 16..1048575: 15' },
    ]);
  });

  it('sends tunnel traffic to the encap-in table (driver cookie)', () => {
    const w = new Wanted();
    addDriverFlows(w, { c: config, ports, neigh: new Map() });
    assert.deepEqual([...w.flows.values()].map(flowText), [
      'cookie=0xb9b9000000000000,table=0,priority=36864,in_port=1 actions=resubmit(,1)',
      'cookie=0xb9b9000000000000,table=0,priority=36864,mpls,in_port=3 actions=resubmit(,1)',
      'cookie=0xb9b9000000000000,table=0,priority=36864,mpls,in_port=4 actions=resubmit(,1)',
    ]);
  });

  it('programs MPLS-over-GRE, bare MPLS, local next hops and a default route, with dec_ttl outside the subnet', () => {
    const remotePrefixes = [
      { prefix: '10.1.0.0/16', nextHops: [{ vtep: '172.31.0.5', label: 300, encap: 'mpls-gre' as const }] },
      { prefix: '10.2.0.0/24', nextHops: [{ vtep: '172.31.0.6', label: 301, encap: 'mpls' as const }] },
      { prefix: '10.4.0.0/24', nextHops: [{ vtep: LOCAL, label: 302, encap: 'mpls' as const }] },
      { prefix: '0.0.0.0/0', nextHops: [vx(LOCAL, 5003)] },
    ];
    const neigh = new Map([['172.31.0.6', '02:00:00:00:06:06']]);
    const { texts } = build(instance({ localPorts: [], remotePrefixes }), config, neigh);
    assert.deepEqual(texts.slice(2), [
      `${VRF_T},priority=36752,ip,${REG},nw_dst=10.1.0.0/16 actions=dec_ttl,push_mpls:0x8847,set_field:300->mpls_label,set_field:172.31.0.5->tun_dst,output:3`,
      `${VRF_T},priority=36760,ip,${REG},nw_dst=10.2.0.0/24 actions=dec_ttl,push_mpls:0x8847,set_field:301->mpls_label,set_field:aa:00:00:00:00:04->eth_src,set_field:02:00:00:00:06:06->eth_dst,output:4`,
      `${VRF_T},priority=36760,ip,${REG},nw_dst=10.4.0.0/24 actions=dec_ttl,push_mpls:0x8847,set_field:302->mpls_label,resubmit(,1)`,
      `${VRF_T},priority=36736,ip,${REG} actions=dec_ttl,set_field:0x138b->tun_id,resubmit(1,1)`,
    ]);
  });

  it('writes prefixes in canonical form and refuses what is not an IPv4 prefix', () => {
    const hop = [vx('172.31.0.2', 5002)];
    const prefixes = [
      '10.5.0.9/16',
      '10.6.0.9',
      '010.1.0.0/16',
      '10.7.0.0/33',
      '256.0.0.0/8',
      '10.8.0.0/8/1',
    ];
    const { w } = build(
      instance({ localPorts: [], remotePrefixes: prefixes.map((prefix) => ({ prefix, nextHops: hop })) }),
    );
    const dsts = [...w.flows.values()].filter((f) => f.table === 2).map((f) => f.match.split(',')[2]);
    assert.deepEqual(dsts, ['nw_dst=10.5.0.0/16', 'nw_dst=10.6.0.9']);
    assert.deepEqual(
      w.errors.map((e) => e.entry.split(' ').at(-1)),
      ['010.1.0.0/16', '10.7.0.0/33', '256.0.0.0/8', '10.8.0.0/8/1'],
    );
  });

  it('keeps ECMP next hops as group buckets ordered by lbOrder', () => {
    const hops = [vx('172.31.0.9', 9, 2), vx('172.31.0.3', 3), vx('172.31.0.7', 7, 1)];
    const { w } = build(
      instance({ localPorts: [], remotePrefixes: [{ prefix: '10.9.0.0/24', nextHops: hops }] }),
    );
    const tun = (ip: string, n: number): string =>
      `dec_ttl,set_field:0x${n.toString(16)}->tun_id,set_field:${ip}->tun_dst,set_field:02:b9:ac:1f:00:01->eth_src,` +
      `set_field:02:b9:ac:1f:00:0${n}->eth_dst,output:1`;
    assert.deepEqual(
      [...w.ecmp.values()],
      [[tun('172.31.0.3', 3), tun('172.31.0.7', 7), tun('172.31.0.9', 9)]],
    );
  });

  it('answers ARP for every address with proxyArp, and adds the fallback at the lowest priority', () => {
    const fallback = { srcMac: '02:00:00:00:00:AA', dstMac: '02:00:00:00:00:bb', ovsPortNumber: 5 };
    const { texts } = build({ ...instance({ remotePrefixes: [] }), fallback }, { ...config, proxyArp: true });
    assert.ok(texts.some((t) => t.includes(`arp,${REG},dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1 actions=`)));
    assert.equal(
      texts.at(-1),
      `${VRF_T},priority=36608,${REG} actions=set_field:02:00:00:00:00:aa->eth_src,set_field:02:00:00:00:00:bb->eth_dst,output:5`,
    );
  });

  it('refuses bad entries with a reason and programs the rest', () => {
    const remotePrefixes = [
      { prefix: '10.0.0.2/32', nextHops: [vx('172.31.0.2', 5002)] },
      { prefix: '10.7.0.0/33', nextHops: [vx('172.31.0.2', 5002)] },
      { prefix: '10.8.0.0/24', nextHops: [vx('172.31.0.2', 1 << 24), vx('172.31.0.3', 5003)] },
      { prefix: '10.8.0.0/24', nextHops: [vx('172.31.0.4', 5004)] },
      { prefix: '10.6.0.0/24', nextHops: [{ vtep: '172.31.0.6', label: 5, encap: 'mpls' as const }] },
      { prefix: '10.5.0.0/24', nextHops: [{ vtep: '172.31.0.6', label: 500, encap: 'mpls' as const }] },
    ];
    const localPorts = [
      { ifname: 'tap1', mac: '02:00:00:00:00:02', ip: '10.0.0.2' },
      { ifname: 'tap9', mac: '02:00:00:00:00:09' },
      { ifname: 'tap2', mac: 'zz', ip: '10.0.0.5' },
    ];
    const { w } = build(instance({ localPorts, remotePrefixes }));
    const p = 'ipvpn vrf-1 prefix';
    assert.deepEqual(
      w.errors.map((e) => e.entry),
      [
        'ipvpn vrf-1 port tap9',
        'ipvpn vrf-1 port tap2',
        `${p} 10.0.0.2/32`,
        `${p} 10.7.0.0/33`,
        `${p} 10.8.0.0/24 via 172.31.0.2`,
        `${p} 10.8.0.0/24`,
        `${p} 10.6.0.0/24 via 172.31.0.6`,
        `${p} 10.5.0.0/24 via 172.31.0.6`,
      ],
    );
    assert.match(w.errors[5]?.message ?? '', /conflicts with ipvpn vrf-1 prefix 10\.8\.0\.0\/24/);
    assert.match(w.errors[7]?.message ?? '', /no neighbour entry/);
    assert.ok(
      [...w.flows.values()].some(
        (f) => f.match.endsWith('nw_dst=10.8.0.0/24') && f.actions.includes('0x138b'),
      ),
    );
  });

  it('refuses next hops whose encapsulation is off', () => {
    const off: OvsConfig = {
      ...config,
      vxlanPort: undefined,
      greTunnel: undefined,
      mplsInterface: undefined,
    };
    const { w } = build(instance(), off);
    assert.deepEqual(
      w.errors.map((e) => e.message),
      ['VXLAN is off or its tunnel port is missing'],
    );
    assert.ok(![...w.flows.values()].some((f) => f.table === 1));
  });
});
