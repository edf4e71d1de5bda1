/**
 * The looking glass JSON tree (BAGPIPE-REFERENCE §2) over a real HTTP server: every node,
 * absolute links, URL-quoted ids, bagpipe's 404 text, laziness, and content negotiation.
 */
import assert from 'node:assert/strict';
import { wantsHtml, type LookingGlassSource } from '../../../src/api/http/looking-glass.js';
import { GREEN_ID, RED_ID, SCRIPT, serve, servedFixture, START, UP } from './looking-glass-fixture.js';

type Json = Record<string, unknown>;
const RED = encodeURIComponent(RED_ID);

describe('api/http/looking-glass: JSON tree', () => {
  const env = servedFixture();
  const lg = (path = ''): string => `${env.s.base}/looking-glass${path}`;
  const get = async <T = Json>(path: string): Promise<T> => {
    const r = await env.s.get(`/looking-glass${path}`);
    assert.equal(r.status, 200, `${path}: ${r.body}`);
    assert.match(r.type, /^application\/json/);
    return JSON.parse(r.body) as T;
  };

  it('root: an inline summary and links to the subtrees', async () => {
    const root = await get('');
    const d = new Date(START);
    const p = (n: number): string => String(n).padStart(2, '0');
    const start = `${String(d.getFullYear())}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    assert.deepEqual(root['summary'], {
      BGP_established_peers: 1,
      route_counts: { local_routes_count: 3, received_routes_count: 2 },
      vpn_instances_count: 2,
      warnings_and_errors: 2,
      start_time: start,
      version: '0.1.0',
    });
    for (const k of ['config', 'bgp', 'vpns', 'logs', 'desired', 'dataplane'])
      assert.deepEqual(root[k], { href: lg(`/${k}`) });
    assert.deepEqual(await get('/'), root, 'a trailing slash is the same node');
  });

  it('config and logs (newest first, name only when known, at most 100)', async () => {
    assert.deepEqual((await get('/config'))['BGP'], {
      local_address: '192.0.2.1',
      my_as: 64512,
      enable_rtc: true,
    });
    assert.deepEqual(await get('/logs'), [
      { level: 'ERROR', time: '2024-01-02 03:04:06', name: 'bgp', message: 'peer 192.0.2.12 <down>' },
      { level: 'WARNING', time: '2024-01-02 03:04:05', message: 'slow' },
    ]);
    const many = Array.from({ length: 150 }, (_, i) => ({
      level: 'WARNING',
      time: String(i),
      message: `m${String(i)}`,
    }));
    const t = await serve({ ...env.f.source, logs: () => many });
    try {
      const logs = JSON.parse((await t.get('/looking-glass/logs')).body) as Json[];
      assert.equal(logs.length, 100);
      assert.equal(logs[0]?.['message'], 'm0');
      const root = JSON.parse((await t.get('/looking-glass')).body) as { summary: Json };
      assert.equal(root.summary['warnings_and_errors'], 100);
    } finally {
      await t.close();
    }
  });

  it('bgp: peers collection and a peer with bagpipe fields plus ours', async () => {
    assert.deepEqual(await get('/bgp'), {
      peers: { href: lg('/bgp/peers') },
      routes: { href: lg('/bgp/routes') },
      route_counts: { href: lg('/bgp/route_counts') },
      adv_routes: { href: lg('/bgp/adv_routes') },
    });
    const peers = await get<Json[]>('/bgp/peers');
    assert.deepEqual(
      peers.map((p) => [p['id'], p['state'], p['href']]),
      ['192.0.2.10:Established', '192.0.2.11:Active', '192.0.2.12:Idle', '192.0.2.13:OpenSent'].map((x) => {
        const [id = '', state] = x.split(':');
        return [id, state, lg(`/bgp/peers/${id}`)];
      }),
    );
    const up = await get(`/bgp/peers/${UP}`);
    assert.deepEqual(up['peeringAddresses'], { peer_address: UP, local_address: '192.0.2.1' });
    assert.deepEqual(up['as_info'], { local: 64512, peer: 64512 });
    assert.deepEqual(up['rtc'], { active: true, enabled: true });
    assert.deepEqual(up['active_families'], ['IPv4/mpls-vpn', 'L2VPN/evpn', 'IPv4/rtc']);
    assert.deepEqual(Object.keys(up['protocol'] as Json), [
      'state',
      'previous_state',
      'hold_time',
      'last_transition_time',
    ]);
    assert.equal((up['protocol'] as Json)['state'], 'Established');
    assert.equal((up['capabilities'] as Json)['hostname'], 'rr-1');
    assert.deepEqual(up['messages'], {
      in: { open: 1, keepalive: 3, update: 4 },
      out: { open: 1, keepalive: 3, update: 2 },
    });
    assert.deepEqual((up['routes'] as Json)['received'], {
      'IPv4/mpls-vpn': 1,
      'IPv4/rtc': 1,
      'L2VPN/evpn': 1,
    });
    const idle = await get('/bgp/peers/192.0.2.12');
    assert.equal(idle['last_error'], 'connection refused <&>');
    assert.equal(idle['capabilities'], null);
    assert.deepEqual(idle['active_families'], []);
    assert.equal((await get('/bgp/peers/192.0.2.11'))['flaps'], 2);
  });

  it('bgp/routes: bagpipe family keys, routes keyed by NLRI, sources linked', async () => {
    const routes = await get<Record<string, Json[]>>('/bgp/routes');
    assert.deepEqual(Object.keys(routes), [
      'IPv4/mpls-vpn,*',
      'L2VPN/evpn,*',
      'IPv4/rtc,*',
      'IPv4/flow-vpn,*',
    ]);
    assert.equal(routes['IPv4/mpls-vpn,*']?.length, 2);
    assert.equal(routes['L2VPN/evpn,*']?.length, 3);
    assert.deepEqual(routes['IPv4/flow-vpn,*'], []);
    const [received = {}, localRoute = {}] = routes['IPv4/mpls-vpn,*'] ?? [];
    assert.deepEqual(received['192.0.2.10:1:10.0.1.0/24 label 200'], {
      'afi-safi': 'IPv4/mpls-vpn',
      attributes: { origin: 'igp', 'as-path': '', 'ext-communities': 'encap:mpls target:64512:1' },
      next_hop: UP,
      source: { id: `BGP-${UP}`, href: lg(`/bgp/peers/${UP}`) },
      route_targets: ['target:64512:1'],
    });
    const local = Object.values(localRoute)[0] as Json;
    assert.deepEqual(local['source'], { id: 'VRF-17', href: lg(`/vpns/instances/${RED}`) });
    assert.deepEqual(await get('/bgp/route_counts'), {
      received: { 'IPv4/mpls-vpn': 1, 'IPv4/rtc': 1, 'L2VPN/evpn': 1 },
      local: { 'IPv4/mpls-vpn': 1, 'L2VPN/evpn': 2 },
      rib_size: 6,
    });
    assert.deepEqual(await get('/bgp/adv_routes'), [
      'rtc target:64512:1',
      'rtc target:64512:2',
      'rtc target:64512:3',
    ]);
  });

  it('vpns/instances: ids URL-quoted, bagpipe fields, sub-nodes', async () => {
    assert.deepEqual(await get('/vpns'), {
      instances: { href: lg('/vpns/instances') },
      dataplane: { href: lg('/vpns/dataplane') },
    });
    assert.deepEqual(await get('/vpns/instances'), [
      { id: GREEN_ID, name: 'EVI-16', href: lg('/vpns/instances/green') },
      {
        id: RED_ID,
        name: 'VRF-17',
        description: SCRIPT,
        href: lg('/vpns/instances/red%20vpn%2F1%3F%26%23%25%C3%A9'),
      },
    ]);
    const red = await get(`/vpns/instances/${RED}`);
    assert.equal(red['instance_type'], 'VRF');
    assert.equal(red['external_instance_id'], RED_ID);
    assert.deepEqual(red['route_targets'], { import: ['64512:1'], export: ['64512:1'] });
    assert.equal(red['gateway_ip'], '10.0.0.254');
    assert.equal(red['subnet_prefix_length'], 24);
    assert.equal(red['instance_dataplane_id'], 17);
    assert.deepEqual(red['readvertise'], null);
    assert.deepEqual(red['attract_traffic'], {});
    for (const k of ['ports', 'dataplane', 'received_routes', 'best_routes', 'adv_routes'])
      assert.deepEqual(red[k], { href: lg(`/vpns/instances/${RED}/${k}`) });
    assert.deepEqual(red['desired'], {
      id: 'VpnInstance/tenant/red',
      href: lg('/desired/objects/VpnInstance%2Ftenant%2Fred'),
    });
    const ports = await get<Record<string, { endpoints: Json[] }>>(`/vpns/instances/${RED}/ports`);
    const ep = ports['tap1']?.endpoints[0] ?? {};
    assert.deepEqual(
      [ep['label'], ep['rd'], ep['mac_address'], ep['ip_address'], ep['description'], ep['direction']],
      [18, '192.0.2.1:1', '52:54:00:aa:00:01', '10.0.0.1/24', 'web <1>', 'both'],
    );
    assert.equal((await get(`/vpns/instances/${RED}/adv_routes`))['length'], 1);
    assert.equal((await get(`/vpns/instances/${RED}/received_routes`))['length'], 1);
    const green = await get<{ driver: string; intent: Json }>('/vpns/instances/green/dataplane');
    assert.equal(green.driver, 'dummy');
    assert.deepEqual(green.intent['remoteMacs'], [
      { mac: '52:54:00:bb:00:01', vtep: UP, vni: 5000, ip: '10.1.0.5' },
    ]);
    assert.equal((await get('/vpns/instances/green/best_routes'))['length'], 1);
  });

  it('vpns/dataplane: drivers, ids and instances_per_vni', async () => {
    assert.deepEqual(await get('/vpns/dataplane/drivers'), [
      { id: 'evpn', href: lg('/vpns/dataplane/drivers/evpn') },
      { id: 'ipvpn', href: lg('/vpns/dataplane/drivers/ipvpn') },
    ]);
    const evpn = await get('/vpns/dataplane/drivers/evpn');
    assert.deepEqual(
      [evpn['name'], evpn['local_address'], evpn['supported_encaps']],
      ['dummy', '192.0.2.1', ['vxlan']],
    );
    assert.deepEqual(await get('/vpns/dataplane/ids'), { 16: 'EVI-16 (green)', 17: `VRF-17 (${RED_ID})` });
    assert.deepEqual(await get('/vpns/dataplane/instances_per_vni'), {
      16: { name: 'EVI-16', external_instance_id: 'green' },
    });
  });

  it('desired: every object, valid or not, with its issues and problems', async () => {
    const d = await get('/desired');
    assert.deepEqual(d['counts'], { objects: 7, invalid: 1, with_problems: 1 });
    assert.deepEqual(d['sources'], { file: { synced: true, error: null } });
    const objects = await get<Json[]>('/desired/objects');
    assert.deepEqual(
      objects.map((o) => `${String(o['id'])} ${String(o['valid'])} ${String(o['reason'])}`),
      [
        'BgpPeer/rr true InForce',
        'PortAttachment/tenant/p1 true InForce',
        'PortAttachment/tenant/p2 true InForce',
        'PortAttachment/tenant/p3 true InstanceNotFound',
        'VpnInstance/tenant/broken false Invalid',
        'VpnInstance/tenant/green true InForce',
        'VpnInstance/tenant/red true InForce',
      ],
    );
    const broken = await get('/desired/objects/VpnInstance%2Ftenant%2Fbroken');
    assert.equal(broken['source'], 'file');
    assert.equal(broken['origin'], 'lab.json');
    assert.deepEqual(
      (broken['issues'] as Json[]).map((i) => i['path']),
      ['/spec/importRTs/0'],
    );
    const p3 = await get('/desired/objects/PortAttachment%2Ftenant%2Fp3');
    assert.deepEqual(
      (p3['problems'] as Json[]).map((p) => p['reason']),
      ['InstanceNotFound'],
    );
    assert.equal((p3['spec'] as Json)['macAddress'], '52:54:00:aa:00:03');
  });

  it('dataplane: per driver, the desired intent against the last pass', async () => {
    const list = await get<Json[]>('/dataplane');
    assert.deepEqual(
      list.map((x) => [x['id'], x['driver'], x['passes'], x['href']]),
      [
        ['evpn', 'dummy', 1, lg('/dataplane/evpn')],
        ['ipvpn', 'dummy', 1, lg('/dataplane/ipvpn')],
      ],
    );
    const ipvpn = await get('/dataplane/ipvpn');
    assert.deepEqual(ipvpn['desired'], { instances: 1, local_ports: 1, remote_entries: 1 });
    assert.deepEqual(ipvpn['intent'], { href: lg('/dataplane/ipvpn/intent') });
    const last = ipvpn['last_pass'] as Json;
    assert.deepEqual(
      [last['reason'], last['changes'], last['diff'], last['errors']],
      ['apply', 1, [`add ipvpn ${RED_ID}`], []],
    );
    assert.equal((ipvpn['counters'] as Json)['passes'], 1);
    const intent = await get<{ instances: Json[] }>('/dataplane/ipvpn/intent');
    assert.deepEqual(
      intent.instances.map((i) => i['id']),
      [RED_ID],
    );
  });

  it('every link reachable from the root is absolute and answers 200', async () => {
    const seen = new Set<string>();
    const queue = [lg()];
    const hrefs = (v: unknown): string[] => {
      if (Array.isArray(v)) return v.flatMap(hrefs);
      if (v === null || typeof v !== 'object') return [];
      const own = typeof (v as Json)['href'] === 'string' ? [(v as Json)['href'] as string] : [];
      return [...own, ...Object.values(v).flatMap(hrefs)];
    };
    while (queue.length > 0) {
      const url = queue.shift() ?? '';
      if (seen.has(url)) continue;
      seen.add(url);
      assert.ok(url.startsWith(lg()), url);
      const r = await env.s.get(url.slice(env.s.base.length));
      assert.equal(r.status, 200, url);
      queue.push(...hrefs(JSON.parse(r.body)));
    }
    assert.ok(seen.size > 40, `only ${String(seen.size)} nodes`);
  });

  it('unknown paths: 404 "No such looking glass object: <item> at <prefix>"', async () => {
    const cases: [string, string, string][] = [
      ['/nope', 'nope', lg()],
      ['/bgp/peers/192.0.2.99', '192.0.2.99', lg('/bgp/peers')],
      [`/vpns/instances/${RED}/nope`, 'nope', lg(`/vpns/instances/${RED}`)],
      ['/vpns/instances/a%2Fb', 'a/b', lg('/vpns/instances')],
      ['/config/BGP', 'BGP', lg('/config')],
    ];
    for (const [path, item, prefix] of cases) {
      const r = await env.s.get(`/looking-glass${path}`);
      assert.equal(r.status, 404, path);
      assert.equal(
        (JSON.parse(r.body) as Json)['description'],
        `No such looking glass object: ${item} at ${prefix}`,
      );
    }
  });

  it('is lazy: a node reads only what it shows, each snapshot once per request', async () => {
    const calls = { status: 0, desired: 0 };
    const counting: LookingGlassSource = {
      ...env.f.source,
      status: () => (calls.status++, env.f.source.status()),
      desired: () => (calls.desired++, env.f.source.desired()),
    };
    const t = await serve(counting);
    try {
      await t.get('/looking-glass/config');
      await t.get('/looking-glass/logs');
      assert.deepEqual(calls, { status: 0, desired: 0 });
      await t.get('/looking-glass/bgp/peers/192.0.2.10');
      assert.deepEqual(calls, { status: 1, desired: 0 });
      await t.get(`/looking-glass/vpns/instances/${RED}/ports`);
      assert.deepEqual(calls, { status: 2, desired: 1 });
    } finally {
      await t.close();
    }
  });

  it('without a readable RIB, route lists are absent (404), the rest stays', async () => {
    const rest: LookingGlassSource = { ...env.f.source };
    delete rest.routes;
    const t = await serve(rest);
    try {
      const bgp = JSON.parse((await t.get('/looking-glass/bgp')).body) as Json;
      assert.equal(bgp['routes'], undefined);
      assert.equal((await t.get('/looking-glass/bgp/routes')).status, 404);
      assert.equal((await t.get(`/looking-glass/vpns/instances/${RED}/received_routes`)).status, 404);
      assert.equal((await t.get(`/looking-glass/vpns/instances/${RED}/best_routes`)).status, 200);
    } finally {
      await t.close();
    }
  });

  it('negotiates: browsers and ?format=html get HTML, API clients JSON', () => {
    const req = (accept: string | undefined, format?: string) => ({
      query: new URLSearchParams(format === undefined ? '' : { format }),
      headers: accept === undefined ? {} : { accept },
    });
    const browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
    assert.equal(wantsHtml(req(browser)), true);
    assert.equal(wantsHtml(req(undefined)), false);
    assert.equal(wantsHtml(req('*/*')), false);
    assert.equal(wantsHtml(req('application/json')), false);
    assert.equal(wantsHtml(req('application/json, text/html')), false);
    assert.equal(wantsHtml(req('text/html;q=0.5, application/json')), false);
    assert.equal(wantsHtml(req('text/html, application/json;q=0.9')), true);
    assert.equal(wantsHtml(req('*/*', 'html')), true);
    assert.equal(wantsHtml(req(browser, 'json')), false);
  });
});
