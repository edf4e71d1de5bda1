/**
 * Bad input against a running daemon. The REST API gets the fixture corpus of bad bagpipe bodies
 * (test/fixtures/rest/bad-payloads.json) plus seeded garbage: binary bodies, bodies over the 1 MiB
 * limit, deeply nested JSON, wrong JSON types in every field, prototype keys, odd numbers and
 * strings. Every request gets a 4xx with a JSON error body (never a 5xx, never a dropped
 * connection), and the daemon's state is unchanged: the looking glass desired objects (ids,
 * sources, specs), VPN instances and route counts, and the bytes of the REST state directory.
 * Then desired.d gets bad files (broken JSON, wrong kind or apiVersion, a name defined twice, a
 * schema violation, a good file broken or made invalid): each is reported as invalid in the
 * looking glass and in bagpipe_desired_invalid_objects, and the objects in force stay the last
 * good ones; once the files are repaired or removed, nothing invalid is left.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait.js';
import { badBody, badCases, evpnBody, ipvpnBody } from '../reconcile/rest/fixtures.js';
import { API_VERSION, Prng, TestNode, portAttachment, vpnInstance } from './harness.js';

const SEED = 0xbad_1;

interface Garbage {
  readonly name: string;
  readonly op: 'attach' | 'detach';
  readonly body: string | Uint8Array;
  readonly contentType?: string;
}

/** `depth` levels of `open … close` around `inner`. */
const nest = (depth: number, open: string, close: string, inner = '1'): string =>
  `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

/** A valid body with one field replaced by raw JSON text. */
function withField(base: Record<string, unknown>, key: string, rawJson: string): string {
  const marker = '"__FIELD__"';
  return JSON.stringify({ ...base, [key]: '__FIELD__' }).replace(marker, rawJson);
}

function garbage(rng: Prng): Garbage[] {
  const out: Garbage[] = [];
  const add = (
    name: string,
    body: string | Uint8Array,
    contentType?: string,
    op: 'attach' | 'detach' = 'attach',
  ) => out.push({ name, op, body, ...(contentType === undefined ? {} : { contentType }) });
  for (let i = 0; i < 8; i++) {
    const bytes = rng.bytes(rng.pick([1, 7, 64, 512, 4096]));
    add(`binary ${String(i)}`, bytes, rng.pick(['application/json', 'application/octet-stream']));
  }
  add('binary detach', rng.bytes(300), 'application/json', 'detach');
  add('empty body', '');
  add('BOM only', '\uFEFF');
  add('invalid UTF-8', Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]));
  add('over 1 MiB', 'a'.repeat(2 * 1024 * 1024));
  add('over 1 MiB of JSON', JSON.stringify({ ...ipvpnBody(), description: 'x'.repeat(1100 * 1024) }));
  add(
    'a 900 KiB vpn_instance_id',
    JSON.stringify(ipvpnBody({ vpn_instance_id: 'v'.repeat(900 * 1024), mac_address: 'nope' })),
  );
  add('a 900 KiB description', JSON.stringify(ipvpnBody({ description: 'd'.repeat(900 * 1024) })));
  add('100k nested arrays', nest(100_000, '[', ']'));
  add('100k nested objects', nest(100_000, '{"a":', '}'));
  for (const key of [
    'vpn_type',
    'vpn_instance_id',
    'mac_address',
    'local_port',
    'import_rt',
    'description',
  ]) {
    add(`${key}: 50k nested arrays`, withField(ipvpnBody(), key, nest(50_000, '[', ']')));
    add(`${key}: 50k nested objects`, withField(ipvpnBody(), key, nest(50_000, '{"k":', '}')));
  }
  add(
    'detach with 50k nested objects',
    withField(ipvpnBody(), 'mac_address', nest(50_000, '{"k":', '}')),
    undefined,
    'detach',
  );
  add('unclosed nesting', '['.repeat(10_000));
  for (const v of ['null', '42', '"ipvpn"', 'true', '{}', '[]', '[{}]', '1e999', '-0']) add(`body ${v}`, v);
  // Wrong JSON types and out-of-range values, three seeded ones per field, on a body that would
  // create a new instance (so creation-only fields are read too).
  const asString = ['0', '-1', '1.5', '1e400', 'true', '[]', '{}', '[1,2]', '""', '"\\u0000"'];
  const asObject = ['0', 'true', '"x"', '[1,2]', '{}', '{"a":{"b":[]}}'];
  const wrong: Record<string, readonly string[]> = {
    vpn_type: [...asString, 'null', '"\\ud800"'],
    vpn_instance_id: [...asString.filter((v) => v !== '"\\u0000"'), 'null'],
    mac_address: [...asString, 'null', '"\\ud800"'],
    ip_address: [...asString, 'null', '"10.0.0.1/99"'],
    gateway_ip: [...asString, '"not an ip"'],
    direction: [...asString.filter((v) => v !== '""'), '"sideways"'],
    local_port: ['0', 'true', '[]', '[1,2]', '""', '{}', 'null', '{"linuxif": 5}'],
    import_rt: ['0', 'true', '{}', '[1,2]', '"x"', '[null]', '["64512"]'],
    export_rt: ['0', 'true', '{}', '[1,2]', '"x"', '[null]', '["1:2:3"]'],
    vni: ['-1', '1.5', '1e400', 'true', '[]', '{}', '"x"', '16777216'],
    local_pref: ['-1', '1.5', '1e400', 'true', '[]', '{}', '"high"', '4294967296'],
    advertise_subnet: ['0', '"yes"', '[]', '{}', '1.5'],
    readvertise: asObject,
    // An empty attract_traffic reads as absent (bagpipe tests its truthiness).
    attract_traffic: asObject.filter((v) => v !== '{}'),
    fallback: asObject,
  };
  const fresh = ipvpnBody({ vpn_instance_id: 'garbage', import_rt: ['64512:77'], export_rt: ['64512:77'] });
  for (const [key, values] of Object.entries(wrong)) {
    const left = [...values];
    for (let k = 0; k < 3; k++) {
      const [v] = left.splice(rng.int(left.length), 1);
      if (v !== undefined) add(`${key}: ${v}`, withField(fresh, key, v));
    }
  }
  add('local_port.linuxif an object', JSON.stringify(evpnBody({ local_port: { linuxif: { a: 1 } } })));
  add('local_port.ovs a list', JSON.stringify(ipvpnBody({ local_port: { linuxif: 'x', ovs: [1] } })));
  add('__proto__ body', '{"__proto__": {"vpn_type": "ipvpn", "vpn_instance_id": "p"}}');
  add('__proto__ in local_port', withField(ipvpnBody(), 'local_port', '{"__proto__": {"linuxif": "tap9"}}'));
  add('constructor key', '{"constructor": {"prototype": {"vpn_type": "ipvpn"}}}');
  add('mac with NUL', JSON.stringify(ipvpnBody({ mac_address: '52:54:00:00:00:0\u0000' })));
  add(
    'NUL in vpn_instance_id, bad mac',
    JSON.stringify(ipvpnBody({ vpn_instance_id: 'a\u0000b', mac_address: '1' })),
  );
  add('form body', 'vpn_type=ipvpn&vpn_instance_id=x', 'application/x-www-form-urlencoded');
  add('duplicate keys, last wrong', '{"vpn_type": "ipvpn", "vpn_type": 7}');
  return out;
}

interface DesiredRowSummary {
  readonly id: string;
  readonly href: string;
  readonly valid: boolean;
  readonly origin: string;
  readonly source: string;
}

describe('reliability: bad REST payloads and bad desired.d files', function () {
  this.timeout(120_000);
  let node: TestNode;

  afterEach(async () => {
    await node.close();
  });

  /** The objects in force: id, source, origin and spec of every row that has one. */
  async function inForce(): Promise<string> {
    const rows = await node.lg<DesiredRowSummary[]>('desired/objects');
    const out: unknown[] = [];
    for (const r of rows) {
      // Through the row's own link, which must resolve for every row (rejected files included).
      const res = await fetch(r.href, { signal: AbortSignal.timeout(10_000) });
      assert.equal(res.status, 200, `${r.href}: HTTP ${String(res.status)}`);
      const detail = (await res.json()) as { spec: unknown; source: string; origin: string };
      if (detail.spec !== null) out.push([r.id, detail.source, detail.origin, detail.spec]);
    }
    return JSON.stringify(out);
  }

  async function daemonState(): Promise<string> {
    return JSON.stringify([
      await inForce(),
      await node.lg('vpns/instances'),
      await node.lg('bgp/route_counts'),
    ]);
  }

  const restFiles = (): Map<string, string> => {
    const dir = join(node.desired, 'bagpipe-rest');
    return new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  };

  it('answers every bad REST body with a 4xx JSON error and changes nothing', async () => {
    node = new TestNode();
    node.write('base.json', [
      vpnInstance('t', 'blue', 'evpn', '64512:10'),
      portAttachment('t', 'b1', 'blue', '02:00:00:00:00:b1', '10.10.0.1/24', 'tapb1'),
    ]);
    await node.start();
    const post = (
      op: string,
      body: string | Uint8Array,
      contentType = 'application/json',
    ): Promise<Response> =>
      fetch(node.url(`/${op}_localport`), {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
        signal: AbortSignal.timeout(30_000),
      });
    for (const body of [ipvpnBody(), evpnBody()])
      assert.equal((await post('attach', JSON.stringify(body))).status, 200);
    const state = await daemonState();
    const files = restFiles();
    assert.equal(files.size, 2);

    const cases: Garbage[] = [
      ...badCases.map((c) => ({ name: `fixture: ${c.name}`, op: c.op ?? 'attach', body: badBody(c) })),
      ...garbage(new Prng(SEED)),
    ];
    const failures: string[] = [];
    for (const c of cases) {
      let r: Response;
      try {
        r = await post(c.op, c.body, c.contentType);
      } catch (e) {
        failures.push(`${c.name}: no answer (${e instanceof Error ? e.message : String(e)})`);
        continue;
      }
      const text = await r.text();
      let body: { code?: unknown; error?: unknown } | undefined;
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        body = undefined;
      }
      if (
        r.status < 400 ||
        r.status >= 500 ||
        body?.code !== r.status ||
        !r.headers.get('content-type')?.includes('json')
      )
        failures.push(`${c.name}: HTTP ${String(r.status)} ${text.slice(0, 200)}`);
    }
    assert.deepEqual(failures, [], `${String(failures.length)} of ${String(cases.length)} bodies`);
    assert.ok(node.alive);
    assert.equal(await daemonState(), state, 'the looking glass shows the same state');
    assert.deepEqual(restFiles(), files, 'the REST state files are unchanged');
    // And the API still works.
    const ok = await post(
      'attach',
      JSON.stringify(
        ipvpnBody({ mac_address: '52:54:00:00:00:77', ip_address: '10.0.0.77/24', local_port: 'tap77' }),
      ),
    );
    assert.equal(ok.status, 200);
    // The daemon logs every body (up to 1 MiB): stopped now, while those lines may still be
    // written, each log line must come out whole (DaemonProcess parses every one).
  });

  it('reports bad desired.d files as invalid and keeps the last good objects in force', async () => {
    node = new TestNode();
    const base = [
      vpnInstance('t', 'blue', 'evpn', '64512:10'),
      portAttachment('t', 'b1', 'blue', '02:00:00:00:00:b1', '10.10.0.1/24', 'tapb1'),
    ];
    node.write('base.json', base);
    await node.start();
    await waitFor(
      async () => (await node.lg<{ counts: { objects: number } }>('desired')).counts.objects === 2,
      10_000,
    );
    const state = await daemonState();
    const invalidMetric = (): Promise<number | undefined> => node.metric('bagpipe_desired_invalid_objects');

    const rows = (): Promise<DesiredRowSummary[]> => node.lg<DesiredRowSummary[]>('desired/objects');
    /** Waits until `origin` shows an invalid row, then checks nothing in force changed. */
    const rejected = async (origin: string): Promise<void> => {
      await waitFor(async () => (await rows()).some((r) => r.origin === origin && !r.valid), 10_000, {
        what: `${origin} reported invalid`,
        describe: () => origin,
      });
      assert.equal(await daemonState(), state, `${origin}: the objects in force are unchanged`);
      assert.ok(((await invalidMetric()) ?? 0) >= 1, `${origin}: counted in bagpipe_desired_invalid_objects`);
    };

    const bad: [string, unknown][] = [
      ['broken.json', '{"apiVersion": "bagpipe.io/v1alpha1", "kind": '],
      ['binary.json', Buffer.from(new Prng(SEED).bytes(256)).toString('latin1')],
      [
        'kind.json',
        [{ apiVersion: API_VERSION, kind: 'Pod', metadata: { name: 'x', namespace: 't' }, spec: {} }],
      ],
      [
        'apiversion.json',
        [{ ...vpnInstance('t', 'green', 'evpn', '64512:11'), apiVersion: 'bagpipe.io/v9' }],
      ],
      ['duplicate.json', [vpnInstance('t', 'blue', 'ipvpn', '64512:99')]],
      [
        'twice.json',
        [
          portAttachment('t', 'same', 'blue', '02:00:00:00:00:c1', '10.10.0.5/24', 'tapc1'),
          portAttachment('t', 'same', 'blue', '02:00:00:00:00:c2', '10.10.0.6/24', 'tapc2'),
        ],
      ],
      ['unknown-field.json', [{ ...vpnInstance('t', 'green', 'evpn', '64512:11'), extra: true }]],
      ['not-an-object.json', '[1, "two", null]'],
      ['deep.json', nest(50_000, '[', ']')],
    ];
    for (const [name, content] of bad) {
      node.write(name, content);
      await rejected(name);
    }

    // The good file broken, then invalid: its last good version stays in force.
    node.write('base.json', '[{"apiVersion": ');
    await rejected('base.json');
    node.write('base.json', [
      base[0],
      { ...base[1], spec: { vpnInstanceRef: { name: 'blue' }, macAddress: 'zz' } },
    ]);
    await waitFor(
      async () => (await rows()).some((r) => r.id === 'PortAttachment/t/b1' && !r.valid),
      10_000,
      {
        what: 'the invalid PortAttachment reported',
      },
    );
    assert.equal(await daemonState(), state, 'the last good PortAttachment stays in force');
    assert.ok(node.alive);

    // Repaired and cleaned up: nothing invalid left, the same state.
    node.write('base.json', base);
    for (const [name] of bad) rmSync(join(node.desired, name));
    await waitFor(async () => (await rows()).every((r) => r.valid) && (await invalidMetric()) === 0, 10_000, {
      what: 'no invalid object left',
    });
    assert.equal(await daemonState(), state);
  });
});
