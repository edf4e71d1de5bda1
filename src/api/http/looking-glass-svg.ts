/**
 * Two inline SVG pictures for the HTML looking glass, laid out deterministically without
 * Graphviz: (a) the route-target graph bagpipe-impex2dot drew, in columns exporters | route
 * targets | importers | peers (the RTs a peer asked for with RT Constraint), and (b) this node's
 * BGP peers, coloured by session state, with their route counts. Every text is escaped; the
 * output is well-formed XML, so it can also be served as image/svg+xml.
 */

export interface GraphInstance {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly importRTs: readonly string[];
  readonly exportRTs: readonly string[];
}

export interface GraphPeer {
  readonly address: string;
  readonly state: string;
  readonly peerAs: number;
  readonly received: number;
  readonly advertised: number;
  /** Route targets the peer asked for with RTC routes (empty: unknown or none). */
  readonly rts: readonly string[];
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
}

const CHAR_W = 7.2;
const ROW = 34;
const BOX_H = 24;
const TOP = 40;
const GAP = 90;
const STYLE =
  '<style>text{font:12px monospace;fill:#222}.t{font-weight:bold}.w{fill:#fff}' +
  '.e{fill:none;stroke:#555;stroke-width:1.2}.r{fill:none;stroke:#999;stroke-dasharray:4 3}</style>';

export const STATE_COLOURS: Readonly<Record<string, string>> = {
  Established: '#2e7d32',
  OpenConfirm: '#00838f',
  OpenSent: '#1565c0',
  Connect: '#6a1b9a',
  Active: '#ef6c00',
  Idle: '#c62828',
};
const TYPE_COLOURS: Readonly<Record<string, string>> = { ipvpn: '#bbdefb', evpn: '#e1bee7' };

const width = (labels: readonly string[]): number =>
  Math.max(60, ...labels.map((l) => l.length * CHAR_W + 16));
const fmt = (n: number): string => String(Math.round(n * 10) / 10);

function text(x: number, y: number, s: string, cls = '', anchor = 'middle'): string {
  const c = cls === '' ? '' : ` class="${cls}"`;
  return `<text x="${fmt(x)}" y="${fmt(y)}" text-anchor="${anchor}"${c}>${escapeXml(s)}</text>`;
}

function svg(w: number, h: number, title: string, body: readonly string[]): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${fmt(w)}" height="${fmt(h)}" ` +
    `viewBox="0 0 ${fmt(w)} ${fmt(h)}" role="img"><title>${escapeXml(title)}</title>${STYLE}${body.join('')}</svg>`
  );
}

const edge = (x1: number, y1: number, x2: number, y2: number, cls: string): string => {
  const mx = (x1 + x2) / 2;
  return `<path class="${cls}" d="M${fmt(x1)} ${fmt(y1)}C${fmt(mx)} ${fmt(y1)} ${fmt(mx)} ${fmt(y2)} ${fmt(x2)} ${fmt(y2)}" marker-end="url(#a)"/>`;
};

interface Column {
  readonly x: number;
  readonly w: number;
  /** y centre per label. */
  readonly y: ReadonlyMap<string, number>;
}

function column(x: number, keys: readonly string[], labels: readonly string[]): Column {
  return { x, w: width(labels), y: new Map(keys.map((k, i) => [k, TOP + 20 + i * ROW + BOX_H / 2])) };
}

/** RTs ordered by the mean row of the instances using them (one barycentre pass), then by name. */
function orderRts(rts: Iterable<string>, rowsOf: (rt: string) => number[]): string[] {
  const centre = (rt: string): number => {
    const rows = rowsOf(rt);
    return rows.length === 0 ? Number.MAX_SAFE_INTEGER : rows.reduce((a, b) => a + b, 0) / rows.length;
  };
  return [...rts].sort((a, b) => centre(a) - centre(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function box(c: Column, key: string, label: string, fill: string): string {
  const y = c.y.get(key) ?? 0;
  return (
    `<rect x="${fmt(c.x)}" y="${fmt(y - BOX_H / 2)}" width="${fmt(c.w)}" height="${BOX_H}" rx="3" ` +
    `fill="${fill}" stroke="#333"/>${text(c.x + c.w / 2, y + 4, label)}`
  );
}

function ellipse(c: Column, rt: string): string {
  const y = c.y.get(rt) ?? 0;
  return (
    `<ellipse cx="${fmt(c.x + c.w / 2)}" cy="${fmt(y)}" rx="${fmt(c.w / 2)}" ry="${BOX_H / 2}" ` +
    `fill="#fff9c4" stroke="#333"/>${text(c.x + c.w / 2, y + 4, rt)}`
  );
}

const ARROW =
  '<defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">' +
  '<path d="M0 0L10 5L0 10z" fill="#555"/></marker></defs>';

interface RtLayout {
  readonly exporters: readonly GraphInstance[];
  readonly importers: readonly GraphInstance[];
  readonly askers: readonly GraphPeer[];
  readonly rts: readonly string[];
  /** Columns: exporters, route targets, importers, peers. */
  readonly ex: Column;
  readonly rt: Column;
  readonly im: Column;
  readonly pe: Column;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const label = (i: GraphInstance): string => `${i.name} ${i.id}`;

function rtLayout(instances: readonly GraphInstance[], peers: readonly GraphPeer[]): RtLayout {
  const byId = [...instances].sort((a, b) => byText(a.id, b.id));
  const exporters = byId.filter((i) => i.exportRTs.length > 0);
  const importers = byId.filter((i) => i.importRTs.length > 0);
  const askers = [...peers].filter((p) => p.rts.length > 0).sort((a, b) => byText(a.address, b.address));
  const rowsOf = (rt: string): number[] => [
    ...exporters.flatMap((i, n) => (i.exportRTs.includes(rt) ? [n] : [])),
    ...importers.flatMap((i, n) => (i.importRTs.includes(rt) ? [n] : [])),
  ];
  const all = new Set([
    ...byId.flatMap((i) => [...i.exportRTs, ...i.importRTs]),
    ...askers.flatMap((p) => p.rts),
  ]);
  const rts = orderRts(all, rowsOf);
  const ids = (list: readonly GraphInstance[]): string[] => list.map((i) => i.id);
  const ex = column(20, ids(exporters), exporters.map(label));
  const rt = column(ex.x + ex.w + GAP, rts, rts);
  const im = column(rt.x + rt.w + GAP, ids(importers), importers.map(label));
  const addresses = askers.map((p) => p.address);
  const pe = column(im.x + im.w + GAP, addresses, addresses);
  return { exporters, importers, askers, rts, ex, rt, im, pe };
}

function rtEdges(l: RtLayout): string[] {
  const { ex, rt, im, pe } = l;
  const out: string[] = [];
  const y = (c: Column, key: string): number => c.y.get(key) ?? 0;
  for (const i of l.exporters)
    for (const r of i.exportRTs) out.push(edge(ex.x + ex.w, y(ex, i.id), rt.x, y(rt, r), 'e'));
  for (const i of l.importers)
    for (const r of i.importRTs) out.push(edge(rt.x + rt.w, y(rt, r), im.x, y(im, i.id), 'e'));
  for (const p of l.askers)
    for (const r of p.rts) out.push(edge(rt.x + rt.w, y(rt, r), pe.x, y(pe, p.address), 'r'));
  return out;
}

function rtNodes(l: RtLayout): string[] {
  const titles: [Column, string][] = [
    [l.ex, 'exporters'],
    [l.rt, 'route targets'],
    [l.im, 'importers'],
  ];
  if (l.askers.length > 0) titles.push([l.pe, 'peers (RTC)']);
  const out = titles.map(([c, t]) => text(c.x + c.w / 2, TOP - 12, t, 't'));
  for (const i of l.exporters) out.push(box(l.ex, i.id, label(i), TYPE_COLOURS[i.type] ?? '#eee'));
  for (const r of l.rts) out.push(ellipse(l.rt, r));
  for (const i of l.importers) out.push(box(l.im, i.id, label(i), TYPE_COLOURS[i.type] ?? '#eee'));
  for (const p of l.askers) out.push(box(l.pe, p.address, p.address, '#dcedc8'));
  return out;
}

/** (a) The import/export graph: instance -> RT for export, RT -> instance for import. */
export function routeTargetGraph(instances: readonly GraphInstance[], peers: readonly GraphPeer[]): string {
  const l = rtLayout(instances, peers);
  if (l.exporters.length + l.importers.length + l.askers.length === 0) {
    return svg(320, 40, 'Route targets', [text(10, 24, 'no route target imported or exported', '', 'start')]);
  }
  const rows = Math.max(l.exporters.length, l.rts.length, l.importers.length, l.askers.length);
  const last = l.askers.length > 0 ? l.pe : l.im;
  const body = [ARROW, ...rtEdges(l), ...rtNodes(l)];
  return svg(
    last.x + last.w + 20,
    TOP + 20 + rows * ROW + 10,
    'Route targets: exporters, route targets, importers',
    body,
  );
}

const cardLines = (p: GraphPeer): string[] => [
  p.address,
  `AS ${String(p.peerAs)} ${p.state}`,
  `rx ${String(p.received)} tx ${String(p.advertised)}`,
];

function peerCard(p: GraphPeer, x: number, y: number, w: number): string {
  const colour = STATE_COLOURS[p.state] ?? '#757575';
  return (
    `<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(w)}" height="52" rx="5" fill="${colour}" stroke="#333"/>` +
    cardLines(p)
      .map((line, n) => text(x + 8, y + 16 + n * 15, line, n === 0 ? 'w t' : 'w', 'start'))
      .join('')
  );
}

/** The state colours, in one row at `y`; returns the parts and the row's width. */
function legend(y: number): { parts: string[]; width: number } {
  const parts: string[] = [];
  let x = 20;
  for (const [state, colour] of Object.entries(STATE_COLOURS)) {
    parts.push(`<rect x="${fmt(x)}" y="${fmt(y)}" width="12" height="12" fill="${colour}"/>`);
    parts.push(text(x + 16, y + 10, state, '', 'start'));
    x += 16 + state.length * CHAR_W + 14;
  }
  return { parts, width: x };
}

/** (b) This node and its peers: one card per peer, coloured by state, with route counts. */
export function peersPicture(local: string, peers: readonly GraphPeer[]): string {
  const sorted = [...peers].sort((a, b) => byText(a.address, b.address));
  const cardW = width(sorted.flatMap(cardLines));
  const localW = width([local, 'this node']);
  const rows = Math.max(1, sorted.length);
  const h = TOP + rows * 64 + 40;
  const localY = TOP + (rows * 64) / 2 - 26;
  const px = 20 + localW + 120;
  const body: string[] = [text(20, 22, 'BGP peers', 't', 'start')];
  sorted.forEach((p, n) => {
    const y = TOP + n * 64;
    const colour = STATE_COLOURS[p.state] ?? '#757575';
    const line = `M${fmt(20 + localW)} ${fmt(localY + 26)}L${fmt(px)} ${fmt(y + 26)}`;
    body.push(`<path d="${line}" stroke="${colour}" stroke-width="3"/>`, peerCard(p, px, y, cardW));
  });
  if (sorted.length === 0) body.push(text(px, localY + 30, 'no BGP peer configured', '', 'start'));
  body.push(
    `<rect x="20" y="${fmt(localY)}" width="${fmt(localW)}" height="52" rx="5" fill="#eceff1" stroke="#333"/>`,
  );
  body.push(text(20 + localW / 2, localY + 22, 'this node', 't'), text(20 + localW / 2, localY + 40, local));
  const key = legend(h - 26);
  return svg(Math.max(px + cardW + 20, key.width), h, 'BGP peers by session state', [...body, ...key.parts]);
}
