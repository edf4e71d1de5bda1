/**
 * bagpipe-rest-attach: options and defaults of the original, the body it sends, its exit codes,
 * and `--port netns` (fake runner always; a real namespace when root).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PortAttachment, VpnInstance } from '../../src/api/gen/index.js';
import { run } from '../../src/cli/rest-attach.js';
import { defaultGateway, UsageError } from '../../src/cli/rest-attach-request.js';
import { FakeRunner } from '../../src/dataplane/index.js';
import { RestServer } from '../api/http/rest-server.js';
import { MemoryIo, runTool } from './run-tool.js';

const isRoot = process.getuid?.() === 0;

type Json = Record<string, unknown>;

function requestOf(stdout: string): Json {
  const line = stdout.split('\n').find((l) => l.startsWith('request: '));
  assert.ok(line, stdout);
  return JSON.parse(line.slice('request: '.length)) as Json;
}

describe('bagpipe-rest-attach', () => {
  let base: string;
  let server: RestServer;
  const dir = (): string => join(base, 'bagpipe-rest');
  const read = (name: string): [VpnInstance, ...PortAttachment[]] =>
    JSON.parse(readFileSync(join(dir(), `${name}.json`), 'utf8')) as [VpnInstance, ...PortAttachment[]];

  beforeEach(async () => {
    base = mkdtempSync(join(tmpdir(), 'bgpd-rest-attach-'));
    server = await new RestServer(dir()).start();
  });
  afterEach(async () => {
    await server.stop();
    rmSync(base, { recursive: true, force: true });
  });

  const netnsAttach = (ip: string, id: string): string[] => [
    '--attach',
    '--network-type',
    'evpn',
    '--port',
    'netns',
    '--ip',
    ip,
    '--vpn-instance-id',
    id,
    '--api-port',
    String(server.port),
  ];

  it('prints --help with the original options and ours', async () => {
    const r = await runTool('rest-attach', ['--help']);
    assert.equal(r.code, 0);
    for (const opt of [
      '--attach',
      '--network-type',
      '--port',
      '--vpn-instance-id',
      '--rt',
      '--vni',
      '--api-port',
    ])
      assert.ok(r.stdout.includes(opt), opt);
  });

  it('attaches and detaches through the API with the original defaults (exit 0, request and response printed)', async () => {
    const common = [
      '--network-type',
      'ipvpn',
      '--port',
      'tap-test',
      '--ip',
      '10.0.0.5',
      '--api-port',
      String(server.port),
    ];
    const r = await runTool('rest-attach', ['--attach', ...common]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^using 10\.0\.0\.254 as gateway address$/m);
    assert.match(r.stdout, /^response: 200 null$/m);
    const body = requestOf(r.stdout);
    assert.deepEqual(body, {
      import_rt: ['64512:512'],
      export_rt: ['64512:512'],
      local_port: { linuxif: 'tap-test' },
      vpn_instance_id: 'ipvpn-bagpipe-test',
      vpn_type: 'ipvpn',
      gateway_ip: '10.0.0.254',
      mac_address: '52:54:00:99:99:22',
      ip_address: '10.0.0.5/24',
      advertise_subnet: false,
      readvertise: null,
      attract_traffic: {},
      lb_consistent_hash_order: 0,
      vni: 0,
      direction: 'both',
    });
    const [instance, attachment] = read('ipvpn-bagpipe-test');
    assert.equal(instance.spec.gatewayIP, '10.0.0.254');
    assert.equal(attachment?.spec.ipAddress, '10.0.0.5/24');
    const d = await runTool('rest-attach', ['--detach', ...common]);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(existsSync(join(dir(), 'ipvpn-bagpipe-test.json')), false);
  });

  it('exits 1 with "error <code>, reason" on an HTTP error, 2 on a command-line mistake', async () => {
    const port = String(server.port);
    const http = await runTool('rest-attach', [
      '--detach',
      '--network-type',
      'evpn',
      '--port',
      'tap1',
      '--ip',
      '10.0.0.5',
      '--mac',
      '52:54:00:00:00:01',
      '--api-port',
      port,
    ]);
    assert.equal(http.code, 1);
    assert.match(http.stderr, /^error 400, reason: Bad Request$/m);
    assert.match(http.stdout, /VPN evpn-bagpipe-test could not be found/);
    const io = new MemoryIo();
    assert.equal(
      await run(['--network-type', 'ipvpn', '--port', 'x', '--ip', '1.2.3.4'], io, new FakeRunner()),
      2,
    );
    assert.match(io.stderr, /Need to specify --attach or --detach/);
    const evpn = new MemoryIo();
    assert.equal(
      await run(
        ['--attach', '--network-type', 'evpn', '--port', 'x', '--ip', '1.2.3.4', '--api-port', port],
        evpn,
        new FakeRunner(),
      ),
      2,
    );
    assert.match(evpn.stderr, /Need to specify --mac for an EVPN/);
    const refused = new MemoryIo();
    const closed = await run(
      ['--attach', '--network-type', 'ipvpn', '--port', 'x', '--ip', '1.2.3.4', '--api-port', '1'],
      refused,
      new FakeRunner(),
    );
    assert.equal(closed, 1);
    assert.match(refused.stderr, /cannot reach bagpipe-bgp/);
  });

  it('sends readvertise, attract_traffic (as to_rt), OVS pre-plug and evpn:<id> as the original builds them', async () => {
    const runner = new FakeRunner();
    const io = new MemoryIo();
    const args = [
      '--attach',
      '--network-type',
      'ipvpn',
      '--port',
      'qvo1',
      '--ip',
      '10.1.0.2/16',
      '--rt',
      '64512:1',
      '--import-rt',
      '64512:2',
      '--readv-from-rt',
      '64512:3',
      '--readv-to-rt',
      '64512:4',
      '--redirect-rts',
      '64512:5',
      '--destination-port',
      '80',
      '--protocol',
      'tcp',
      '--attract-to-rt',
      '64512:4',
      '--static-destination-prefix',
      '0.0.0.0/0',
      '--ovs-preplug',
      '--ovs-vlan',
      '7',
      '--local-pref',
      '300',
      '--advertise-subnet',
      '--api-port',
      String(server.port),
    ];
    assert.equal(await run(args, io, runner), 0, io.stderr + io.stdout);
    const body = requestOf(io.stdout);
    assert.deepEqual(body['import_rt'], ['64512:1', '64512:2']);
    assert.deepEqual(body['export_rt'], ['64512:1']);
    assert.deepEqual(body['local_port'], {
      linuxif: 'qvo1',
      ovs: { port_name: 'qvo1', plugged: true, vlan: 7 },
    });
    assert.deepEqual(body['readvertise'], { from_rt: ['64512:3'], to_rt: ['64512:4'] });
    assert.deepEqual(body['attract_traffic'], {
      redirect_rts: ['64512:5'],
      classifier: { destinationPort: '80', protocol: 'tcp' },
      to_rt: ['64512:4'],
      static_destination_prefixes: ['0.0.0.0/0'],
    });
    assert.equal(body['local_pref'], 300);
    assert.equal(body['gateway_ip'], '10.1.255.254');
    assert.deepEqual(runner.runs, [
      ['ovs-vsctl', 'del-port', 'br-int', 'qvo1'],
      ['ovs-vsctl', 'add-port', 'br-int', 'qvo1'],
    ]);
    const evpnLink = new MemoryIo();
    await run(
      [
        '--attach',
        '--network-type',
        'ipvpn',
        '--port',
        'evpn:evi9',
        '--ip',
        '10.2.0.2',
        '--api-port',
        String(server.port),
      ],
      evpnLink,
      runner,
    );
    assert.deepEqual(requestOf(evpnLink.stdout)['local_port'], { evpn: { id: 'evi9' } });
  });

  it('--port netns runs the original commands and reads the MAC back (fake runner)', async () => {
    const runner = new FakeRunner().respond(
      ['ip', '-n', 'a-very-long-namespace', '-j', 'link'],
      '[{"address":"aa:bb:cc:00:11:22"}]',
    );
    const io = new MemoryIo();
    assert.equal(await run(netnsAttach('10.3.0.2', 'a-very-long-namespace'), io, runner), 0, io.stderr);
    const ns = 'a-very-long-namespace';
    const exec = ['ip', 'netns', 'exec', ns];
    assert.deepEqual(runner.runs, [
      ['ip', 'netns', 'add', ns],
      [...exec, 'ip', 'link', 'delete', 'tovpn'],
      ['ovs-vsctl', 'del-port', 'ns-a-very-long-'],
      ['ip', 'link', 'delete', 'ns-a-very-long-'],
      [
        'ip',
        'link',
        'add',
        'ns-a-very-long-',
        'type',
        'veth',
        'peer',
        'name',
        'tovpn',
        'netns',
        ns,
        'mtu',
        '65535',
      ],
      ['ip', 'link', 'set', 'dev', 'ns-a-very-long-', 'up'],
      ['ip', 'link', 'set', 'dev', 'ns-a-very-long-', 'mtu', '9000'],
      [...exec, 'ip', 'link', 'set', 'dev', 'tovpn', 'up'],
      [...exec, 'ip', 'addr', 'add', '10.3.0.2/24', 'dev', 'tovpn'],
      [...exec, 'ip', 'route', 'add', 'default', 'dev', 'tovpn', 'via', '10.3.0.254'],
      [...exec, 'ip', 'link', 'set', 'tovpn', 'mtu', '1420'],
      ['ip', '-n', ns, '-j', 'link', 'show', 'dev', 'tovpn'],
    ]);
    const body = requestOf(io.stdout);
    assert.deepEqual(
      [body['local_port'], body['mac_address']],
      [{ linuxif: 'ns-a-very-long-' }, 'aa:bb:cc:00:11:22'],
    );
  });

  it('computes the default gateway as netaddr does (the last usable address)', () => {
    assert.equal(defaultGateway('10.0.0.5/24'), '10.0.0.254');
    assert.equal(defaultGateway('192.168.7.1/31'), '192.168.7.0');
    assert.equal(defaultGateway('2001:db8::1/64'), '2001:db8::ffff:ffff:ffff:fffe');
    assert.throws(() => defaultGateway('10.0.0.5/32'), UsageError);
  });

  it('reads the API port from the config file', async () => {
    const conf = join(base, 'bgp.conf');
    writeFileSync(conf, `[API]\nport = ${server.port}\n`);
    const r = await runTool('rest-attach', [
      '--attach',
      '--network-type',
      'ipvpn',
      '--port',
      'tap-c',
      '--ip',
      '10.0.0.5',
      '--config-file',
      conf,
    ]);
    assert.equal(r.code, 0, r.stderr);
  });

  describe('--port netns in a real namespace (root only)', function () {
    const ns = `bgpdra-${randomBytes(3).toString('hex')}`;
    before(function () {
      if (!isRoot) this.skip();
    });
    after(() => {
      if (!isRoot) return;
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // not created
      }
      try {
        execFileSync('ip', ['link', 'del', `ns-${ns}`.slice(0, 15)], { stdio: 'ignore' });
      } catch {
        // gone with the namespace
      }
    });

    it('creates the namespace and veth pair, attaches the host side with the MAC of the namespace side', async () => {
      const r = await runTool('rest-attach', netnsAttach('10.4.0.2/24', ns));
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const hostIf = `ns-${ns}`.slice(0, 15);
      const [link] = JSON.parse(
        execFileSync('ip', ['-4', '-n', ns, '-j', 'addr', 'show', 'dev', 'tovpn'], { encoding: 'utf8' }),
      ) as {
        mtu: number;
        addr_info: { local: string; prefixlen: number }[];
      }[];
      assert.equal(link?.mtu, 1420);
      assert.deepEqual(
        link.addr_info.map((a) => `${a.local}/${a.prefixlen}`),
        ['10.4.0.2/24'],
      );
      const [host] = JSON.parse(
        execFileSync('ip', ['-j', 'link', 'show', 'dev', hostIf], { encoding: 'utf8' }),
      ) as { mtu: number }[];
      assert.equal(host?.mtu, 9000);
      const [, attachment] = read(ns);
      assert.deepEqual(attachment?.spec.localPort, { linuxInterface: hostIf });
      const [nsLink] = JSON.parse(
        execFileSync('ip', ['-n', ns, '-j', 'link', 'show', 'dev', 'tovpn'], { encoding: 'utf8' }),
      ) as {
        address: string;
      }[];
      assert.equal(attachment.spec.macAddress, nsLink?.address);
    });
  });
});
