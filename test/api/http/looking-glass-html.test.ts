/**
 * The looking glass for browsers: HTML pages (escaping, breadcrumbs, links, the 404 page) and
 * the two SVG pictures (well-formed XML, every instance, RT and peer drawn, deterministic).
 */
import assert from 'node:assert/strict';
import { renderPage } from '../../../src/api/http/looking-glass-html.js';
import {
  escapeXml,
  peersPicture,
  routeTargetGraph,
  type GraphPeer,
} from '../../../src/api/http/looking-glass-svg.js';
import { RED_ID, servedFixture, UP } from './looking-glass-fixture.js';

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const RED = encodeURIComponent(RED_ID);

/**
 * A small XML well-formedness check: tags balance, attributes are quoted, text and attribute
 * values hold no raw `<` and only valid entities. Returns the element names in document order.
 */
function checkXml(xml: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  const entities = /&(?!#\d+;|#x[0-9a-f]+;|amp;|lt;|gt;|quot;|apos;)/i;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = token.exec(xml)) !== null) {
    at = token.lastIndex;
    const [, close = '', name = '', attrs = '', selfClose = '', txt] = m;
    if (txt !== undefined) {
      assert.ok(!entities.test(txt), `bad entity in text: ${txt}`);
      continue;
    }
    assert.ok(!entities.test(attrs), `bad entity in attributes of ${name}`);
    if (close === '/') assert.equal(stack.pop(), name, `</${name}> closes another element`);
    else if (selfClose === '/') names.push(name);
    else {
      stack.push(name);
      names.push(name);
    }
  }
  assert.equal(at, xml.length, `not well-formed at ${String(at)}: ${xml.slice(at, at + 60)}`);
  assert.deepEqual(stack, [], 'unclosed elements');
  return names;
}

const svgs = (html: string): string[] => html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];

const peer = (address: string, state: string, rts: string[] = []): GraphPeer => ({
  address,
  state,
  peerAs: 64512,
  received: 3,
  advertised: 1,
  rts,
});

describe('api/http/looking-glass: HTML and SVG', () => {
  const env = servedFixture();

  it('answers browsers with HTML, no script, every text escaped', async () => {
    const r = await env.s.get('/looking-glass/vpns/instances', BROWSER);
    assert.equal(r.status, 200);
    assert.match(r.type, /^text\/html/);
    assert.ok(!/<script/i.test(r.body), 'no script element, even from a description');
    assert.ok(r.body.includes('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;'));
    const page = await env.s.get(`/looking-glass/bgp/peers/192.0.2.12`, BROWSER);
    assert.ok(page.body.includes('connection refused &#60;&#38;&#62;'));
    assert.ok(!page.body.includes('refused <&>'));
  });

  it('has a breadcrumb heading and links between nodes', async () => {
    const r = await env.s.get(`/looking-glass/vpns/instances/${RED}`, BROWSER);
    const h1 = /<h1>(.*?)<\/h1>/.exec(r.body)?.[1] ?? '';
    const lg = `${env.s.base}/looking-glass`;
    assert.ok(h1.includes(`<a href="${lg}">looking-glass</a>`));
    assert.ok(h1.includes(`<a href="${lg}/vpns">vpns</a> / <a href="${lg}/vpns/instances">instances</a>`));
    assert.ok(h1.endsWith(` / ${escapeXml(RED_ID)}`), h1);
    assert.ok(r.body.includes(`<a href="${lg}/vpns/instances/${RED}/ports">ports</a>`));
    assert.ok(
      r.body.includes(
        `<a href="${lg}/desired/objects/VpnInstance%2Ftenant%2Fred">VpnInstance/tenant/red</a>`,
      ),
    );
    const list = await env.s.get('/looking-glass/bgp/peers', BROWSER);
    assert.ok(
      list.body.includes(`<a href="${lg}/bgp/peers/${UP}">${UP}</a>`),
      'collection ids link to their node',
    );
    const q = await env.s.get('/looking-glass/bgp?format=html');
    assert.match(q.type, /^text\/html/);
    assert.ok(q.body.includes(`<a href="${lg}/bgp/peers?format=html">`), '?format=html is kept on links');
  });

  it('renders a 404 page for browsers with bagpipe text', async () => {
    const r = await env.s.get('/looking-glass/vpns/<b>', BROWSER);
    assert.equal(r.status, 404);
    assert.match(r.type, /^text\/html/);
    assert.ok(
      r.body.includes(`No such looking glass object: &#60;b&#62; at ${env.s.base}/looking-glass/vpns`),
    );
  });

  it('draws both pictures on the root and on vpns only, well-formed, with every instance, RT and peer', async () => {
    for (const path of ['/looking-glass', '/looking-glass/vpns']) {
      const pics = svgs((await env.s.get(path, BROWSER)).body);
      assert.equal(pics.length, 2, path);
      const [graph = '', peers = ''] = pics;
      for (const svg of pics) assert.equal(checkXml(svg)[0], 'svg');
      for (const t of ['EVI-16 green', `VRF-17 ${escapeXml(RED_ID)}`, '64512:1', '64512:2', '64512:3', UP])
        assert.ok(graph.includes(`>${t}</text>`), `${path}: ${t} in the RT graph`);
      for (const a of [UP, '192.0.2.11', '192.0.2.12', '192.0.2.13'])
        assert.ok(peers.includes(`>${a}</text>`), a);
      for (const state of ['Established', 'Active', 'Idle', 'OpenSent'])
        assert.ok(peers.includes(`AS 64512 ${state}`) || peers.includes(`AS 65001 ${state}`));
    }
    assert.equal(svgs((await env.s.get('/looking-glass/bgp', BROWSER)).body).length, 0);
  });

  it('the XML check itself rejects what is not well-formed', () => {
    for (const bad of ['<a><b></a>', '<a>x < y</a>', '<a>&nbsp;</a>', '<a x=1></a>', '<a>'])
      assert.throws(() => checkXml(bad), bad);
    assert.deepEqual(checkXml('<a x="1">t &#60; &amp;<b/></a>'), ['a', 'b']);
  });

  it('escapes hostile names in SVG and stays well-formed', () => {
    const evil = `<b>&"'`;
    const graph = routeTargetGraph(
      [{ id: evil, name: 'VRF-1', type: 'ipvpn', importRTs: ['64512:1'], exportRTs: [`${evil}:1`] }],
      [peer(`${evil}peer`, 'Established', ['64512:1'])],
    );
    checkXml(graph);
    assert.ok(!graph.includes(evil));
    assert.ok(graph.includes(escapeXml(evil)));
    const peers = peersPicture(evil, [peer(evil, `${evil}state`)]);
    checkXml(peers);
    assert.ok(!peers.includes(evil));
  });

  it('lays out deterministically, whatever the input order; empty inputs still draw', () => {
    const a = { id: 'a', name: 'VRF-1', type: 'ipvpn', importRTs: ['1:1', '1:2'], exportRTs: ['1:1'] };
    const b = { id: 'b', name: 'EVI-2', type: 'evpn', importRTs: ['1:2'], exportRTs: ['1:2', '1:3'] };
    const peers = [peer('10.0.0.2', 'Idle'), peer('10.0.0.1', 'Established', ['1:3'])];
    assert.equal(routeTargetGraph([a, b], peers), routeTargetGraph([b, a], [...peers].reverse()));
    assert.equal(peersPicture('x', peers), peersPicture('x', [...peers].reverse()));
    assert.deepEqual(checkXml(routeTargetGraph([], [])).slice(0, 3), ['svg', 'title', 'style']);
    assert.ok(peersPicture('192.0.2.1', []).includes('no BGP peer configured'));
    checkXml(peersPicture('192.0.2.1', []));
  });

  it('renders values generically: links, tables, keyed route lists', () => {
    const html = renderPage({
      crumbs: [{ label: 'looking-glass', href: 'http://h/looking-glass' }],
      value: {
        link: { href: 'http://h/looking-glass/x%2Fy' },
        rows: [{ id: 'r1', href: 'http://h/looking-glass/r1', n: 1 }],
        routes: [{ '10.0.0.0/24': { next_hop: '1.2.3.4' } }],
        list: ['a', 'b'],
        empty: [],
      },
      version: '0.1.0',
    });
    assert.ok(html.includes('<a href="http://h/looking-glass/x%2Fy">x/y</a>'));
    assert.ok(html.includes('<th>id</th><th>n</th>'));
    assert.ok(html.includes('<td><a href="http://h/looking-glass/r1">r1</a></td>'));
    assert.ok(html.includes('10.0.0.0/24</span></td><td><span class="s">1.2.3.4'));
    assert.ok(html.includes('(none)'));
  });
});
