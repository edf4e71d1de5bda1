/**
 * What tshark's BGP dissector (`-T ek -J bgp`) should show for a decoded message: a map from
 * ek field name to the list of values, in wire order. Only the fields listed here are compared.
 */
import { parseAdmin } from '../../../src/bgp/codec/admin.js';
import type { PathAttributes } from '../../../src/bgp/codec/attributes/types.js';
import type { ExtCommunity } from '../../../src/bgp/codec/extcomm/types.js';
import { labelFromRaw } from '../../../src/bgp/codec/nlri/label.js';
import { writeRd } from '../../../src/bgp/codec/nlri/rd.js';
import type { Nlri } from '../../../src/bgp/codec/nlri/types.js';
import type { Update } from '../../../src/bgp/codec/update.js';
import { Writer } from '../../../src/lib/writer.js';
import { toHex } from './helpers.js';

export type View = Map<string, string[]>;

/** A value tshark shows but gets wrong (RTC partial and 4-octet-AS route targets): not compared. */
export const ANY = '*';

const P = 'bgp_bgp_update_path_attribute_';
const hex2 = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
const addr = (prefix: string): string => prefix.slice(0, prefix.lastIndexOf('/'));
const bits = (prefix: string): number => Number(prefix.slice(prefix.lastIndexOf('/') + 1));

function push(v: View, key: string, ...values: (string | number)[]): void {
  const list = v.get(key) ?? [];
  list.push(...values.map(String));
  v.set(key, list);
}

/** RD bytes as tshark prints EVPN RDs: colon-separated hex. */
function rdBytes(rd: string): string {
  const w = new Writer(8);
  writeRd(w, rd);
  return toHex(w.finish(), ':');
}

const plainAs = (text: string): string => text.replace(/[Ll]:/, ':');

function adminFields(v: View, c: { value: string }, types: readonly number[]): void {
  const a = parseAdmin(c.value);
  if (a === undefined) throw new Error(`bad admin value ${c.value}`);
  push(v, 'bgp_bgp_ext_com_type', hex2(types[a.kind] ?? 0));
  const [admin, assigned] = plainAs(c.value).split(/:(?=[^:]*$)/);
  if (a.kind === 0) push(v, 'bgp_bgp_ext_com_value_as2', admin ?? '');
  if (a.kind === 1) push(v, 'bgp_bgp_ext_com_value_IP4', admin ?? '');
  if (a.kind === 2) push(v, 'bgp_bgp_ext_com_value_as4', admin ?? '');
  push(v, a.kind === 0 ? 'bgp_bgp_ext_com_value_an4' : 'bgp_bgp_ext_com_value_an2', assigned ?? '');
}

function extCommunity(v: View, c: ExtCommunity): void {
  const type = (t: number): void => {
    push(v, 'bgp_bgp_ext_com_type', hex2(t));
  };
  switch (c.type) {
    case 'route-target':
    case 'route-origin':
    case 'rt-record': {
      adminFields(v, c, [0x00, 0x01, 0x02]);
      return;
    }
    case 'redirect-vrf': {
      adminFields(v, c, [0x80, 0x81, 0x82]);
      return;
    }
    case 'encapsulation':
      type(0x03);
      push(v, 'bgp_bgp_ext_com_stype_tr_opaque', '0x0c');
      {
        push(v, 'bgp_bgp_ext_com_tunnel_type', c.tunnelType);
        return;
      }
    case 'default-gateway':
    case 'consistent-hash-sort-order':
      type(0x03);
      {
        push(v, 'bgp_bgp_ext_com_stype_tr_opaque', c.type === 'default-gateway' ? '0x0d' : '0x14');
        return;
      }
    case 'router-mac':
      type(0x06);
      {
        push(v, 'bgp_bgp_ext_com_evpn_esi_router_mac', c.mac);
        return;
      }
    case 'mac-mobility':
      type(0x06);
      {
        push(v, 'bgp_bgp_ext_com_evpn_mmac_seq', c.sequence);
        return;
      }
    case 'esi-label': {
      type(0x06);
      return;
    }
    case 'traffic-rate':
      type(0x80);
      push(v, 'bgp_bgp_ext_com_value_as2', c.asn);
      {
        push(v, 'bgp_bgp_ext_com_flow_rate_limit', c.rate);
        return;
      }
    case 'traffic-action':
      type(0x80);
      {
        push(v, 'bgp_bgp_ext_com_flow_sample', String(c.sample));
        return;
      }
    case 'traffic-marking':
      type(0x80);
      {
        push(v, 'bgp_bgp_ext_com_value_fs_dscp', hex2(c.dscp));
        return;
      }
    case 'opaque': {
      type(parseInt(c.hex.slice(0, 2), 16));
      return;
    }
  }
}

function attributes(v: View, a: PathAttributes): void {
  if (a.origin !== undefined) push(v, `${P}origin`, a.origin);
  for (const s of a.asPath ?? []) {
    push(
      v,
      `${P}as_path_segment_type`,
      { set: 1, sequence: 2, 'confed-sequence': 3, 'confed-set': 4 }[s.type],
    );
    push(v, `${P}as_path_segment_as4`, ...s.asns);
  }
  if (a.nextHop !== undefined) push(v, `${P}next_hop`, a.nextHop);
  if (a.med !== undefined) push(v, `${P}multi_exit_disc`, a.med);
  if (a.localPref !== undefined) push(v, `${P}local_pref`, a.localPref);
  if (a.aggregator) {
    push(v, `${P}aggregator_as`, a.aggregator.asn);
    push(v, `${P}aggregator_origin`, a.aggregator.address);
  }
  for (const c of a.communities ?? []) {
    const [hi = '', lo = ''] = c.split(':');
    if (hi === '65535')
      push(v, `${P}community_wellknown`, `0xffff${Number(lo).toString(16).padStart(4, '0')}`);
    else {
      push(v, `${P}community_as`, hi);
      push(v, `${P}community_value`, lo);
    }
  }
  if (a.originatorId !== undefined) push(v, `${P}originator_id`, a.originatorId);
  if (a.clusterList) push(v, 'bgp_bgp_path_attribute_cluster_id', ...a.clusterList);
  for (const c of a.extCommunities ?? []) extCommunity(v, c);
  for (const l of a.largeCommunities ?? []) {
    const [ga = '', l1 = '', l2 = ''] = l.split(':');
    push(v, 'bgp_bgp_large_communities_ga', ga);
    push(v, 'bgp_bgp_large_communities_ldp1', l1);
    push(v, 'bgp_bgp_large_communities_ldp2', l2);
  }
  if (a.pmsiTunnel) {
    push(v, `${P}pmsi_tunnel_type`, a.pmsiTunnel.tunnelType);
    push(v, `${P}pmsi_ingress_rep_ip`, a.pmsiTunnel.tunnelId);
    push(v, 'bgp_bgp_evpn_nlri_vni', a.pmsiTunnel.label);
  }
}

function evpn(v: View, n: Extract<Nlri, { kind: 'evpn' }>): void {
  if (n.route === 'unknown') return;
  push(
    v,
    'bgp_bgp_evpn_nlri_rt',
    { 'ethernet-ad': 1, 'mac-ip': 2, multicast: 3, 'ethernet-segment': 4, 'ip-prefix': 5 }[n.route],
  );
  push(v, 'bgp_bgp_evpn_nlri_rd', rdBytes(n.rd));
  if ('esi' in n) push(v, 'bgp_bgp_evpn_nlri_esi', n.esi);
  if ('etag' in n) push(v, 'bgp_bgp_evpn_nlri_etag', n.etag);
  const ip = (a: string): void => {
    push(v, a.includes(':') ? 'bgp_bgp_evpn_nlri_ipv6_addr' : 'bgp_bgp_evpn_nlri_ip_addr', a);
  };
  if (n.route === 'mac-ip') {
    push(v, 'bgp_bgp_evpn_nlri_mac_addr', n.mac);
    if (n.ip !== undefined) ip(n.ip);
    push(v, 'bgp_bgp_evpn_nlri_mpls_ls1', labelFromRaw(n.labels[0] ?? 0));
    if (n.labels[1] !== undefined) push(v, 'bgp_bgp_evpn_nlri_mpls_ls2', labelFromRaw(n.labels[1]));
  }
  if (n.route === 'ethernet-ad') push(v, 'bgp_bgp_evpn_nlri_mpls_ls1', labelFromRaw(n.label));
  if (n.route === 'multicast' || n.route === 'ethernet-segment') ip(n.originator);
  if (n.route === 'ip-prefix') {
    ip(addr(n.prefix));
    push(v, 'bgp_bgp_evpn_nlri_prefix_len', bits(n.prefix));
    push(
      v,
      n.gateway.includes(':') ? 'bgp_bgp_evpn_nlri_ipv6_gtw_addr' : 'bgp_bgp_evpn_nlri_ipv4_gtw_addr',
      n.gateway,
    );
    push(v, `${P}mpls_label_value`, n.label);
  }
}

function nlri(v: View, n: Nlri, field: string): void {
  switch (n.kind) {
    case 'prefix':
      push(v, 'bgp_bgp_prefix_length', bits(n.prefix));
      {
        push(v, field, addr(n.prefix));
        return;
      }
    case 'vpn': {
      const stack = n.labels
        .map((l) => (l === 0x800000 || l === 0 ? '0' : String(labelFromRaw(l))))
        .join(',');
      const last = n.labels[n.labels.length - 1] ?? 0;
      push(
        v,
        'bgp_bgp_label_stack',
        `${stack} (${last === 0x800000 || last === 0 ? 'withdrawn' : 'bottom'})`,
      );
      if (n.prefix.includes(':')) return;
      push(v, 'bgp_bgp_rd', plainAs(n.rd));
      push(v, 'bgp_bgp_prefix_length', 24 * n.labels.length + 64 + bits(n.prefix));
      push(v, field, addr(n.prefix));
      return;
    }
    case 'rtc': {
      // tshark shows the default route apart, and misprints 4-octet-AS route targets.
      if (n.prefixLength === 0) return;
      push(v, 'bgp_bgp_prefix_length', n.prefixLength);
      if (n.originAs !== undefined) push(v, 'bgp_bgp_originating_as', n.originAs);
      const exact = n.prefixLength === 96 && parseAdmin(n.routeTarget ?? '')?.kind !== 2;
      push(v, 'bgp_bgp_community_prefix', exact ? (n.routeTarget ?? '') : ANY);
      return;
    }
    case 'flowspec':
      push(v, 'bgp_bgp_flowspec_route_distinguisher_type', 0);
      for (const r of n.rules) {
        push(v, 'bgp_bgp_flowspec_nlri_filter_type', r.type);
        if ('prefix' in r)
          push(
            v,
            r.type === 1
              ? 'bgp_bgp_flowspec_nlri_dst_prefix_filter'
              : 'bgp_bgp_flowspec_nlri_src_prefix_filter',
            addr(r.prefix),
          );
        else
          for (const o of r.ops) push(v, `bgp_bgp_flowspec_nlri_dec_val_${8 << ((o.op >>> 4) & 3)}`, o.value);
      }
      return;
    case 'evpn': {
      evpn(v, n);
      return;
    }
  }
}

/** The ek fields our decoded UPDATE predicts. */
export function updateView(u: Update): View {
  const v: View = new Map();
  push(v, 'bgp_bgp_type', 2);
  for (const n of u.withdrawn) nlri(v, n, 'bgp_bgp_withdrawn_prefix');
  if (u.mpReach) {
    const { afi, safi, nextHop, linkLocal } = u.mpReach;
    push(v, `${P}mp_reach_nlri_afi`, afi);
    push(v, `${P}mp_reach_nlri_safi`, safi);
    if (nextHop !== '')
      push(v, `${P}mp_reach_nlri_next_hop_${nextHop.includes(':') ? 'ipv6' : 'ipv4'}`, nextHop);
    if (linkLocal !== undefined) push(v, `${P}mp_reach_nlri_next_hop_ipv6_link_local`, linkLocal);
    const field = afi === 2 ? 'bgp_bgp_mp_reach_nlri_ipv6_prefix' : 'bgp_bgp_mp_reach_nlri_ipv4_prefix';
    for (const n of u.mpReach.nlri) nlri(v, n, field);
  }
  if (u.mpUnreach) {
    push(v, `${P}mp_unreach_nlri_afi`, u.mpUnreach.afi);
    push(v, `${P}mp_unreach_nlri_safi`, u.mpUnreach.safi);
    const field =
      u.mpUnreach.afi === 2 ? 'bgp_bgp_mp_unreach_nlri_ipv6_prefix' : 'bgp_bgp_mp_unreach_nlri_ipv4_prefix';
    for (const n of u.mpUnreach.nlri) nlri(v, n, field);
  }
  attributes(v, u.attributes);
  for (const n of u.nlri) nlri(v, n, 'bgp_bgp_nlri_prefix');
  return v;
}
