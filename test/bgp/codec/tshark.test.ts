/**
 * Independent decoder (interop README section 4): our encodings go through text2pcap into a
 * pcap, tshark's BGP dissector decodes them, and its fields must match our decoded view. Any
 * malformed packet or expert warning fails the test.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ATTRIBUTES } from '../../../src/bgp/codec/attributes/registry.js';
import { decodeMessage, encodeMessage, encodeUpdate } from '../../../src/bgp/codec/message.js';
import { rawFromLabel } from '../../../src/bgp/codec/nlri/label.js';
import { vpnNlri } from '../../../src/bgp/codec/nlri/build.js';
import { shutdownNotification } from '../../../src/bgp/codec/notification.js';
import { packReach } from '../../../src/bgp/codec/pack.js';
import type { Update } from '../../../src/bgp/codec/update.js';
import { ctx, toHex } from './helpers.js';
import { CAPABILITIES, SAMPLES } from './samples.js';
import { ANY, updateView } from './tshark-view.js';

const TSHARK = '/usr/bin/tshark';
const TEXT2PCAP = '/usr/bin/text2pcap';

type Layer = Record<string, unknown>;

const packed = packReach(
  { origin: 0, asPath: [], localPref: 100, extCommunities: [{ type: 'route-target', value: '65000:1' }] },
  {
    afi: 1,
    safi: 128,
    nextHop: '192.0.2.10',
    nlri: Array.from({ length: 250 }, (_, i) =>
      vpnNlri('65000:1', `10.${i >> 8}.${i & 255}.0/24`, [rawFromLabel(16 + i)]),
    ),
  },
  ctx(),
);

interface Case {
  readonly name: string;
  readonly bytes: Uint8Array;
}

const CASES: readonly Case[] = [
  ...SAMPLES.filter((s) => s.tshark !== false).map((s) => ({
    name: s.name,
    bytes: encodeUpdate(s.update, s.ctx),
  })),
  ...packed.map((bytes, i) => ({ name: `packed VPNv4 UPDATE ${i + 1}/${packed.length}`, bytes })),
];

const OTHERS: readonly Case[] = [
  {
    name: 'OPEN with every capability',
    bytes: encodeMessage(
      {
        type: 'open',
        version: 4,
        myAs: 23456,
        holdTime: 90,
        bgpId: '192.0.2.1',
        capabilities: CAPABILITIES,
      },
      ctx(),
    ),
  },
  {
    name: 'NOTIFICATION with shutdown communication',
    bytes: encodeMessage({ type: 'notification', ...shutdownNotification('maintenance') }, ctx()),
  },
  {
    name: 'ROUTE-REFRESH BoRR',
    bytes: encodeMessage({ type: 'route-refresh', afi: 1, safi: 128, subtype: 1 }, ctx()),
  },
];

const list = (v: unknown): string[] =>
  v === undefined
    ? []
    : Array.isArray(v)
      ? v.map((x) => String(x))
      : [typeof v === 'string' ? v : JSON.stringify(v)];

const field = (l: Layer | undefined, key: string): string[] => list(l?.[key]);

function attributeCodes(u: Update): string[] {
  const codes = [...ATTRIBUTES.values()].filter(
    (e) => (u.attributes as Record<string, unknown>)[e.key] !== undefined,
  );
  return [
    ...codes.map((e) => e.code),
    ...(u.mpReach ? [14] : []),
    ...(u.mpUnreach ? [15] : []),
    ...(u.attributes.unknown ?? []).map((x) => x.code),
  ]
    .sort((a, b) => a - b)
    .map(String);
}

function run(bin: string, args: string[]): string {
  return execFileSync(bin, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 << 20,
  });
}

describe('tshark cross-check', function () {
  this.timeout(60000);
  let dir = '';
  let layers: Layer[] = [];
  let pcap = '';

  before(function () {
    if (!existsSync(TSHARK) || !existsSync(TEXT2PCAP)) {
      console.log(`      (skipped: ${TSHARK} or ${TEXT2PCAP} is not installed)`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'codec-tshark-'));
    const hexFile = join(dir, 'in.hex');
    pcap = join(dir, 'out.pcap');
    writeFileSync(hexFile, [...CASES, ...OTHERS].map((c) => toHex(c.bytes)).join('\n') + '\n');
    run(TEXT2PCAP, [
      '-q',
      '-F',
      'pcap',
      '-r',
      '^(?<data>[0-9a-fA-F]+)$',
      '-T',
      '40000,179',
      '-4',
      '192.0.2.1,192.0.2.2',
      hexFile,
      pcap,
    ]);
    layers = run(TSHARK, ['-r', pcap, '-T', 'ek', '-J', 'bgp'])
      .split('\n')
      .filter((l) => l.startsWith('{"timestamp"'))
      .map((l) => (JSON.parse(l) as { layers: Record<string, Layer | undefined> }).layers['bgp'] ?? {});
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('finds no malformed packet and no expert warning', () => {
    const out = run(TSHARK, [
      '-r',
      pcap,
      '-Y',
      '_ws.malformed || _ws.expert.severity >= "warning"',
      '-T',
      'fields',
      '-e',
      'frame.number',
      '-e',
      '_ws.expert.message',
    ]);
    assert.equal(out.trim(), '');
    assert.equal(layers.length, CASES.length + OTHERS.length);
  });

  CASES.forEach((c, i) => {
    it(`agrees field by field: ${c.name}`, () => {
      const m = decodeMessage(c.bytes, ctx());
      assert.ok(m.type === 'update');
      const got = layers[i] ?? {};
      for (const [key, want] of updateView(m.update)) {
        const have = list(got[key]);
        assert.deepEqual(
          have,
          want.map((w, j) => (w === ANY ? (have[j] ?? w) : w)),
          key,
        );
      }
      const codes = field(got, 'bgp_bgp_update_path_attribute_type_code').sort(
        (a, b) => Number(a) - Number(b),
      );
      assert.deepEqual(codes, attributeCodes(m.update));
    });
  });

  it('agrees on OPEN capabilities, NOTIFICATION and ROUTE-REFRESH', () => {
    const [open, notification, refresh] = layers.slice(CASES.length);
    assert.deepEqual(field(open, 'bgp_bgp_type'), ['1']);
    assert.deepEqual(field(open, 'bgp_bgp_cap_type'), ['1', '2', '70', '6', '64', '65', '69', '73']);
    assert.deepEqual(field(open, 'bgp_bgp_cap_mp_afi'), ['1']);
    assert.deepEqual(field(open, 'bgp_bgp_cap_4as'), ['4200000000']);
    assert.deepEqual(field(notification, 'bgp_bgp_notify_major_error'), ['6']);
    assert.deepEqual(field(refresh, 'bgp_bgp_route_refresh_afi'), ['1']);
    assert.deepEqual(field(refresh, 'bgp_bgp_route_refresh_subtype'), ['1']);
  });
});
