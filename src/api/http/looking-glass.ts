/**
 * bagpipe-bgp's looking glass (BAGPIPE-REFERENCE §2): `GET /looking-glass/...`, a lazy tree of
 * JSON nodes with bagpipe's field names, links and collections, that `bagpipe-looking-glass`
 * walks. The root inlines `summary` and links `config`, `bgp`, `vpns`, `logs`, plus our
 * `desired` and `dataplane`. Browsers (an Accept header preferring text/html, or `?format=html`)
 * get the same node as HTML, with the route-target graph and the peers as SVG on the root and
 * on `vpns`.
 */
import { FAMILY } from '../../bgp/codec/index.js';
import { bgpNode, instanceName } from './looking-glass-bgp.js';
import { renderError, renderPage, type Crumb } from './looking-glass-html.js';
import { dataplaneNode, desiredNode } from './looking-glass-state.js';
import { peersPicture, routeTargetGraph, type GraphPeer } from './looking-glass-svg.js';
import {
  LG_ROOT,
  LgContext,
  branch,
  leaf,
  localTime,
  resolve,
  segmentsOf,
  type LgNode,
  type LookingGlassSource,
} from './looking-glass-tree.js';
import { vpnsNode } from './looking-glass-vpns.js';
import { HttpError, json, text, type Reply, type Request, type Router } from './router.js';

export type { LookingGlassSource, LgLogRecord } from './looking-glass-tree.js';

/** bagpipe keeps the last 100 records at WARNING or above. */
const LOG_RECORDS = 100;

function logs(source: LookingGlassSource): Record<string, unknown>[] {
  return source
    .logs()
    .slice(0, LOG_RECORDS)
    .map((r) => ({
      level: r.level,
      time: r.time,
      ...(r.name === undefined ? {} : { name: r.name }),
      message: r.message,
    }));
}

/** bagpipe's root summary; route counts leave RTC routes out. */
function summary(ctx: LgContext): Record<string, unknown> {
  const s = ctx.status();
  let received = 0;
  for (const p of s.peers) for (const [f, n] of p.received) if (f !== FAMILY.rtc) received += n;
  const local = s.instances.reduce(
    (n, i) => n + i.advertisedRoutes.filter((r) => r.family !== FAMILY.rtc).length,
    0,
  );
  return {
    BGP_established_peers: s.peers.filter((p) => p.state === 'Established').length,
    route_counts: { local_routes_count: local, received_routes_count: received },
    vpn_instances_count: s.instances.length,
    warnings_and_errors: Math.min(ctx.source.logs().length, LOG_RECORDS),
    start_time: localTime(ctx.source.startTime),
    version: ctx.source.version,
  };
}

export function rootNode(source: LookingGlassSource): LgNode {
  return branch(
    {
      config: leaf(() => source.config()),
      bgp: bgpNode(source),
      vpns: vpnsNode(source),
      logs: leaf(() => logs(source)),
      desired: desiredNode,
      dataplane: dataplaneNode,
    },
    (ctx) => ({ summary: summary(ctx) }),
  );
}

/** Peers with their counts and, when the RIB is readable, the RTs they asked for (RTC). */
function graphPeers(ctx: LgContext): GraphPeer[] {
  const asked = new Map<string, Set<string>>();
  for (const r of ctx.source.routes?.(FAMILY.rtc) ?? []) {
    if (r.source.kind !== 'peer' || r.nlri.kind !== 'rtc' || r.nlri.routeTarget === undefined) continue;
    const set = asked.get(r.source.address) ?? new Set<string>();
    asked.set(r.source.address, set.add(r.nlri.routeTarget));
  }
  const sum = (m: ReadonlyMap<number, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  return ctx.status().peers.map((p) => ({
    address: p.address,
    state: p.state,
    peerAs: p.config.peerAs,
    received: sum(p.received),
    advertised: sum(p.advertised),
    rts: [...(asked.get(p.address) ?? [])].sort(),
  }));
}

function pictures(ctx: LgContext): string[] {
  const peers = graphPeers(ctx);
  const instances = ctx.status().instances.map((i) => ({ ...i, name: instanceName(i.type, i.vni) }));
  const bgp = ctx.source.config()['BGP'];
  const local = typeof bgp?.['local_address'] === 'string' ? bgp['local_address'] : '';
  return [routeTargetGraph(instances, peers), peersPicture(local, peers)];
}

/** q of the best Accept entry matching `type` ("text/html"), exact beating wildcards. */
function quality(accept: string, type: string): number {
  const [major] = type.split('/');
  let best = -1;
  let q = 0;
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    const rank = range === type ? 3 : range === `${major ?? ''}/*` ? 2 : range === '*/*' ? 1 : 0;
    if (rank <= best || rank === 0) continue;
    const qp = params.map((s) => s.trim()).find((s) => s.startsWith('q='));
    best = rank;
    q = qp === undefined ? 1 : Number(qp.slice(2)) || 0;
  }
  return q;
}

/** HTML for `?format=html`, or when the Accept header prefers text/html to JSON (a browser). */
export function wantsHtml(req: Pick<Request, 'query' | 'headers'>): boolean {
  const format = req.query.get('format');
  if (format === 'html') return true;
  if (format === 'json') return false;
  const accept = req.headers.accept ?? '';
  if (!/text\/html/i.test(accept)) return false;
  return quality(accept, 'text/html') > quality(accept, 'application/json');
}

function crumbs(ctx: LgContext, segments: readonly string[]): Crumb[] {
  const out: Crumb[] = [{ label: 'looking-glass', href: ctx.url([]) }];
  segments.forEach((s, i) => out.push({ label: s, href: ctx.url(segments.slice(0, i + 1)) }));
  return out;
}

function htmlReply(root: LgNode, ctx: LgContext, segments: readonly string[], suffix: string): Reply {
  const type = 'text/html; charset=utf-8';
  const version = ctx.source.version;
  try {
    const [node, at] = resolve(root, segments, ctx);
    const value = node.value(at);
    const pics =
      segments.length === 0 || (segments.length === 1 && segments[0] === 'vpns') ? pictures(at) : [];
    const page = renderPage({
      crumbs: crumbs(ctx, segments),
      value,
      pictures: pics,
      linkSuffix: suffix,
      version,
    });
    return text(page, 200, type);
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    return text(renderError(crumbs(ctx, segments), e.message, version, suffix), e.status, type);
  }
}

/** Serve the looking glass under `/looking-glass` (a prefix route). */
export function registerLookingGlass(router: Router, source: LookingGlassSource): void {
  const root = rootNode(source);
  router.get(
    LG_ROOT,
    (req) => {
      const segments = segmentsOf(req.path);
      const ctx = new LgContext(source, req.base);
      if (wantsHtml(req))
        return htmlReply(root, ctx, segments, req.query.get('format') === 'html' ? '?format=html' : '');
      const [node, at] = resolve(root, segments, ctx);
      return json(node.value(at));
    },
    true,
  );
}
