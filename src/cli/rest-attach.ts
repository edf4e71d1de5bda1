#!/usr/bin/env node
/**
 * `bagpipe-rest-attach`: attach or detach a local port through the daemon's REST API, with the
 * options of bagpipe's tool (BAGPIPE-REFERENCE §8). Prints the request and the response like
 * the original; exit status 0 on success, 1 on an HTTP or system error ("error <code>, reason:
 * <reason>"), 2 on a command-line mistake. `--api-host`/`--api-port` (default: 127.0.0.1 and
 * `[API] port` of the config file, else 8082) say where the daemon is.
 */
import { SystemRunner, type CommandRunner } from '../dataplane/index.js';
import { errorMessage } from '../lib/errors.js';
import { apiPortFromConfig, DEFAULT_CONFIG_FILE, portOption } from './api-endpoint.js';
import { parseCommandLine, processIo, runIfMain, type Io } from './main.js';
import { createNetnsPort, ovsPreplug, readMac } from './rest-attach-netns.js';
import {
  defaultMac,
  localPort,
  OPTIONS,
  payload,
  resolveRequest,
  UsageError,
  type Request,
  type Values,
} from './rest-attach-request.js';

const NAME = 'bagpipe-rest-attach';
const SYNOPSIS = `usage: ${NAME} [--attach|--detach] --network-type (ipvpn|evpn) --port (<port>|netns[:<if>]|evpn:<id>) --ip <ip>[/<mask>] [options]`;

export function usage(): string {
  return `${SYNOPSIS}

Attach (or detach) a local port to a VPN instance through bagpipe-bgp's REST API.

  --attach | --detach             operation (one is required)
  --network-type ipvpn|evpn       VPN type (required)
  --port PORT                     interface to attach; 'netns[:IF]' creates a namespace and a veth
                                  pair (host side IF, default ns-<netns>); 'evpn:<id>' plugs an
                                  E-VPN into the IP VPN (required)
  --ip IP[/LEN]                   endpoint address (length default /24) (required)
  --vpn-instance-id ID            default <network-type>-bagpipe-test
  --gateway-ip IP                 default: last usable address of the --ip network
  --mac MAC                       default 52:54:00:99:99:22 (ipvpn), read from the namespace (netns);
                                  required for evpn otherwise
  --rt RT                         import and export route target (repeatable; default 64512:512
                                  for ipvpn, 64512:513 for evpn when no RT option is given)
  --import-rt RT, --export-rt RT  import-only / export-only route targets (repeatable)
  --direction both|to-port|from-port   traffic direction (default both)
  --advertise-singleton | --advertise-subnet   advertise the IP as a host route (default) or its subnet
  --local-pref N                  LOCAL_PREF of the port route
  --lb-consistent-hash-order N    consistent hash sort order (default 0)
  --vni N                         VNI of the instance (default 0: allocated)
  --ovs-preplug                   (ipvpn) plug the port into an OVS bridge first
  --ovs-bridge BRIDGE             bridge for --ovs-preplug (default br-int)
  --ovs-vlan N                    VLAN of the port (OVS) / VLAN sub-interface in the namespace
  --netns NAME                    namespace for --port netns (default: the VPN instance id)
  --if2vpn IF                     interface in the namespace toward the VPN (default tovpn)
  --readv-from-rt RT, --readv-to-rt RT   route re-advertisement from / to these RTs (repeatable)
  --redirect-rts RT               attract traffic: RTs of the FlowSpec redirect routes (repeatable)
  --source-prefix P, --destination-prefix P, --source-port N[:M], --destination-port N[:M],
  --protocol PROTO                traffic classifier of --redirect-rts
  --attract-to-rt RT, --static-destination-prefix P   attract traffic toward RT for prefixes P
  --api-host HOST                 bagpipe-bgp API address (default 127.0.0.1)
  --api-port PORT                 bagpipe-bgp API port (default: [API] port of the config file, else 8082)
  --config-file FILE              config file to read the port from (default ${DEFAULT_CONFIG_FILE})
  -h, --help                      this help
`;
}

async function send(io: Io, host: string, port: number, op: string, body: unknown): Promise<number> {
  const json = JSON.stringify(body);
  io.out(`request: ${json}\n`);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/${op}_localport`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json });
  } catch (e) {
    const cause = e instanceof Error && e.cause !== undefined ? errorMessage(e.cause) : errorMessage(e);
    io.err(`error: cannot reach bagpipe-bgp at ${url}: ${cause}\n`);
    return 1;
  }
  const text = await res.text();
  if (res.ok) {
    io.out(`response: ${res.status} ${text}\n`);
    return 0;
  }
  io.out(`   ${text}\n`);
  io.err(`error ${res.status}, reason: ${res.statusText}\n`);
  return 1;
}

/** The local port to send, after creating the namespace port or pre-plugging into OVS. */
async function preparePort(io: Io, runner: CommandRunner, v: Values, req: Request) {
  let port = req.port;
  let mac = req.mac;
  if (req.netns !== undefined) {
    if (req.operation === 'attach') {
      io.out(`Will plug local namespace ${req.netns.name} into network\n`);
      await createNetnsPort(runner, req.netns, req.ip, req.gatewayIp, mac);
    }
    port = req.netns.hostIf;
    mac ??= await readMac(runner, req.netns.name, req.netns.nsIf);
    io.out(`Local port: ${port} (${mac})\n`);
  }
  const lp = localPort(v, req, port);
  if (lp['ovs'] !== undefined) {
    io.out(`pre-plugging ${port} into ${v['ovs-bridge']}\n`);
    await ovsPreplug(runner, v['ovs-bridge'], port);
  }
  return { lp, mac: mac ?? defaultMac(req) };
}

export async function run(argv: readonly string[], io: Io, runner: CommandRunner): Promise<number> {
  const parsed = parseCommandLine({ name: NAME, usage, synopsis: SYNOPSIS }, argv, OPTIONS, io);
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values;
  try {
    const req = resolveRequest(v);
    const apiPort =
      v['api-port'] === undefined
        ? apiPortFromConfig(v['config-file'])
        : portOption('--api-port', v['api-port']);
    if (v['gateway-ip'] === undefined) io.out(`using ${req.gatewayIp} as gateway address\n`);
    const { lp, mac } = await preparePort(io, runner, v, req);
    return await send(io, v['api-host'], apiPort, req.operation, payload(v, req, lp, mac));
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${SYNOPSIS}\n${NAME}: error: ${e.message}\n`);
      return 2;
    }
    io.err(`${NAME}: ${errorMessage(e)}\n`);
    return 1;
  }
}

runIfMain(import.meta.url, NAME, async () => {
  const runner = new SystemRunner();
  try {
    return await run(process.argv.slice(2), processIo, runner);
  } finally {
    await runner.close();
  }
});
