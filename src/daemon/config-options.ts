/**
 * bagpipe's `bgp.conf` options (BAGPIPE-REFERENCE §3) and our additions in the same style.
 * One table drives parsing, defaults, the looking glass `config` node and `--help`.
 */
export type OptionType = 'string' | 'int' | 'bool' | 'list' | 'address' | 'listen';

export interface OptionDef {
  readonly section: string;
  readonly key: string;
  readonly type: OptionType;
  /** The default as oslo would print it; `undefined` means unset. */
  readonly default: string | undefined;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  /** Older names still accepted (e.g. `api_host`). */
  readonly deprecated?: readonly string[];
  readonly help: string;
}

const dp = (section: string, driverHelp: string): OptionDef[] => [
  { section, key: 'dataplane_driver', type: 'string', default: 'dummy', help: driverHelp },
  {
    section,
    key: 'dataplane_local_address',
    type: 'address',
    default: undefined,
    help: 'IP or interface for tunnel source and route next hop (default: [BGP] local_address)',
  },
  {
    section,
    key: 'mpls_interface',
    type: 'string',
    default: undefined,
    help: 'interface for MPLS (linux/ovs IP VPN)',
  },
  {
    section,
    key: 'mpls_over_gre',
    type: 'string',
    default: 'auto',
    choices: ['auto', 'True', 'False', 'true', 'false'],
    help: 'MPLS over GRE: auto, True or False (False really means False here)',
  },
  {
    section,
    key: 'proxy_arp',
    type: 'bool',
    default: 'False',
    help: 'answer ARP for any address on VRF ports',
  },
  {
    section,
    key: 'arp_responder',
    type: 'bool',
    default: 'False',
    help: 'OVS ARP responder for the gateway',
  },
  { section, key: 'vxlan_encap', type: 'bool', default: 'False', help: 'offer VXLAN encapsulation (IP VPN)' },
  {
    section,
    key: 'vxlan_dst_port',
    type: 'int',
    default: '4789',
    min: 1,
    max: 65535,
    help: 'VXLAN UDP port',
  },
  {
    section,
    key: 'ovs_bridge',
    type: 'string',
    default: section.endsWith('EVPN') ? 'br-tun' : 'br-mpls',
    help: 'OVS bridge',
  },
  { section, key: 'input_table', type: 'int', default: '0', min: 0, max: 254, help: 'OVS input table' },
  {
    section,
    key: 'ovs_table_id_start',
    type: 'int',
    default: '1',
    min: 0,
    max: 253,
    help: 'first OVS table (encap-in), VRF table = start + 1',
  },
  { section, key: 'gre_tunnel', type: 'string', default: 'mpls_gre', help: 'OVS GRE port name' },
  { section, key: 'gre_tunnel_options', type: 'list', default: '', help: 'extra OVS GRE interface options' },
  {
    section,
    key: 'ovsbr_interfaces_mtu',
    type: 'int',
    default: undefined,
    min: 68,
    max: 65535,
    help: 'MTU of OVS ports we add',
  },
  { section, key: 'hash_method', type: 'string', default: 'dp_hash', help: 'OVS select group method' },
  {
    section,
    key: 'hash_method_param',
    type: 'int',
    default: '0',
    min: 0,
    help: 'OVS select group method parameter',
  },
  { section, key: 'hash_fields', type: 'list', default: '', help: 'OVS select group hash fields' },
  {
    section,
    key: 'linuxbr_prefix',
    type: 'string',
    default: undefined,
    help: 'unused, accepted for compatibility',
  },
  {
    section,
    key: 'repair_interval',
    type: 'int',
    default: '30',
    min: 0,
    max: 86400,
    help: 'seconds between drift-repair passes (0 = off)',
  },
];

export const OPTIONS: readonly OptionDef[] = [
  { section: 'DEFAULT', key: 'debug', type: 'bool', default: 'False', help: 'log at debug level' },
  {
    section: 'DEFAULT',
    key: 'log_level',
    type: 'string',
    default: 'info',
    choices: ['trace', 'debug', 'info', 'warn', 'error'],
    help: 'log level',
  },
  {
    section: 'COMMON',
    key: 'root_helper',
    type: 'string',
    default: 'sudo',
    help: 'root command prefix (unused when running as root)',
  },
  {
    section: 'COMMON',
    key: 'root_helper_daemon',
    type: 'string',
    default: undefined,
    help: 'rootwrap daemon client (unused)',
  },
  {
    section: 'API',
    key: 'host',
    type: 'string',
    default: '127.0.0.1',
    deprecated: ['api_host'],
    help: 'REST API and looking glass address',
  },
  {
    section: 'API',
    key: 'port',
    type: 'int',
    default: '8082',
    min: 0,
    max: 65535,
    deprecated: ['api_port'],
    help: 'REST API and looking glass port (0: any free port, logged)',
  },
  {
    section: 'BGP',
    key: 'local_address',
    type: 'address',
    default: undefined,
    help: 'IPv4 or interface name: router id, TCP source, RD prefix, next hop',
  },
  {
    section: 'BGP',
    key: 'peers',
    type: 'list',
    default: '',
    help: 'peers to connect to (iBGP, families of the original)',
  },
  {
    section: 'BGP',
    key: 'my_as',
    type: 'int',
    default: undefined,
    min: 1,
    max: 4294967295,
    help: 'local AS (1..4294967295; the original allowed 1..65535)',
  },
  { section: 'BGP', key: 'enable_rtc', type: 'bool', default: 'True', help: 'RT Constraint (RFC 4684)' },
  {
    section: 'BGP',
    key: 'bgp_port',
    type: 'int',
    default: '179',
    min: 1,
    max: 65535,
    help: 'TCP port of the peers',
  },
  {
    section: 'BGP',
    key: 'listen',
    type: 'listen',
    default: 'False',
    help: 'accept sessions from configured peers: False, True (local_address) or an address',
  },
  {
    section: 'BGP',
    key: 'listen_port',
    type: 'int',
    default: '179',
    min: 1,
    max: 65535,
    help: 'TCP port to listen on',
  },
  {
    section: 'BGP',
    key: 'router_id',
    type: 'address',
    default: undefined,
    help: 'BGP identifier (default: local_address)',
  },
  {
    section: 'BGP',
    key: 'graceful_restart',
    type: 'bool',
    default: 'True',
    help: 'RFC 4724 for the peers of [BGP] peers',
  },
  {
    section: 'BGP',
    key: 'graceful_restart_time',
    type: 'int',
    default: '120',
    min: 1,
    max: 4095,
    help: 'restart time we announce (s)',
  },
  {
    section: 'BGP',
    key: 'hold_time',
    type: 'int',
    default: '180',
    min: 0,
    max: 65535,
    help: 'hold time we offer (0 or >= 3)',
  },
  {
    section: 'DESIRED',
    key: 'directory',
    type: 'string',
    default: '/etc/bagpipe-bgp/desired.d',
    help: 'directory of desired-state JSON files',
  },
  {
    section: 'DESIRED',
    key: 'kubernetes',
    type: 'bool',
    default: 'False',
    help: 'also read desired state from Kubernetes custom resources',
  },
  {
    section: 'DESIRED',
    key: 'kubeconfig',
    type: 'string',
    default: undefined,
    help: 'kubeconfig path (default: in-cluster, then ~/.kube/config)',
  },
  {
    section: 'DESIRED',
    key: 'node_name',
    type: 'string',
    default: undefined,
    help: 'this node (default: $NODE_NAME, then the host name)',
  },
  {
    section: 'DESIRED',
    key: 'rescan_interval',
    type: 'int',
    default: '30',
    min: 1,
    max: 86400,
    help: 'seconds between full rescans of the directory',
  },
  {
    section: 'DESIRED',
    key: 'state_directory',
    type: 'string',
    default: undefined,
    help: 'where allocations and status files live (default: <directory>/../state)',
  },
  ...dp('DATAPLANE_DRIVER_IPVPN', 'IP VPN driver: dummy, linux or ovs'),
  ...dp('DATAPLANE_DRIVER_EVPN', 'E-VPN driver: dummy or linux'),
];

/** Legacy driver names (class paths of the original) mapped to ours. */
export const DRIVER_ALIASES: Readonly<Record<string, string>> = {
  dummy: 'dummy',
  linux: 'linux',
  ovs: 'ovs',
  'bagpipe.bgp.vpn.ipvpn.DummyDataplaneDriver': 'dummy',
  'bagpipe.bgp.vpn.evpn.DummyDataplaneDriver': 'dummy',
  'bagpipe.bgp.vpn.ipvpn.mpls_ovs_dataplane.MPLSOVSDataplaneDriver': 'ovs',
  'bagpipe.bgp.vpn.ipvpn.mpls_linux_dataplane.MPLSLinuxDataplaneDriver': 'linux',
  'bagpipe.bgp.vpn.evpn.linux_vxlan.LinuxVXLANDataplaneDriver': 'linux',
  'mpls_ovs_dataplane.MPLSOVSDataplaneDriver': 'ovs',
  'mpls_linux_dataplane.MPLSLinuxDataplaneDriver': 'linux',
  'linux_vxlan.LinuxVXLANDataplaneDriver': 'linux',
};
