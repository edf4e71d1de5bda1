/**
 * The looking glass as a lazy tree (bagpipe `common/looking_glass.py`): a node computes its own
 * JSON value only when it is the one requested, and finds a child by its path segment. Links are
 * `{"href": "<base>/looking-glass/<quoted segments>"}`, collections `[{"id", "href", …}]`; an
 * unknown segment is a 404 "No such looking glass object: <item> at <prefix>".
 *
 * `LgContext` carries the request (base URL, path) and caches the source's snapshots, so a
 * request reads `status()` or `desired()` at most once, and only when a node needs them.
 */
import type { DaemonStatus } from '../../daemon/daemon.js';
import type { ObjectProblem } from '../../daemon/control.js';
import type { RibRoute } from '../../daemon/status-types.js';
import type { DesiredSnapshot } from '../../desired/store.js';
import type { FamilyKey } from '../../bgp/codec/index.js';
import { HttpError } from './router.js';

/** One record of the looking glass log (level WARNING or above). */
export interface LgLogRecord {
  readonly level: string;
  /** "YYYY-MM-DD HH:MM:SS" or ISO. */
  readonly time: string;
  readonly name?: string | undefined;
  readonly message: string;
}

/** What the looking glass reads; everything is called per request, lazily. */
export interface LookingGlassSource {
  status(): DaemonStatus;
  desired(): DesiredSnapshot;
  /** Problems of desired objects the daemon could not realise (the last reconcile). */
  problems(): readonly ObjectProblem[];
  /** The configuration as INI sections (`COMMON`, `API`, `BGP`, `DATAPLANE_DRIVER_*`), secrets removed. */
  config(): Record<string, Record<string, unknown>>;
  /** The last records at WARNING or above, newest first. */
  logs(): readonly LgLogRecord[];
  /** Every RIB route of a family (all sources); absent: route lists are not shown. */
  routes?(family: FamilyKey): Iterable<RibRoute>;
  /** Process start, epoch milliseconds. */
  readonly startTime: number;
  readonly version: string;
}

export interface Link {
  readonly href: string;
}

export const LG_ROOT = '/looking-glass';

/** Per-request caches shared by every context of one request. */
interface Cache {
  status?: DaemonStatus;
  desired?: DesiredSnapshot;
}

export class LgContext {
  readonly source: LookingGlassSource;
  readonly base: string;
  /** Decoded segments below /looking-glass. */
  readonly path: readonly string[];
  readonly #cache: Cache;

  constructor(source: LookingGlassSource, base: string, path: readonly string[] = [], cache: Cache = {}) {
    this.source = source;
    this.base = base;
    this.path = path;
    this.#cache = cache;
  }

  status(): DaemonStatus {
    return (this.#cache.status ??= this.source.status());
  }

  desired(): DesiredSnapshot {
    return (this.#cache.desired ??= this.source.desired());
  }

  /** The context of a child node. */
  at(segment: string): LgContext {
    return new LgContext(this.source, this.base, [...this.path, segment], this.#cache);
  }

  /**
   * Absolute URL of a path below /looking-glass. A segment ending in `.json`/`.html` (the id of a
   * rejected desired.d file) gets its dot escaped, or the router would take it for a format suffix.
   */
  url(segments: readonly string[]): string {
    const component = (s: string): string => encodeURIComponent(s).replace(/\.(json|html)$/, '%2E$1');
    return `${this.base}${LG_ROOT}${segments.map((s) => `/${component(s)}`).join('')}`;
  }

  /** A link to a node below this one. */
  link(...segments: string[]): Link {
    return { href: this.url([...this.path, ...segments]) };
  }

  /** A link to a node given from the root. */
  rootLink(...segments: string[]): Link {
    return { href: this.url(segments) };
  }
}

export interface LgNode {
  /** The node's JSON value (links for sub-nodes, inline small values). */
  value(ctx: LgContext): unknown;
  /** The child named `segment` (decoded); undefined: no such object. */
  child?(segment: string, ctx: LgContext): LgNode | undefined;
}

export const leaf = (value: (ctx: LgContext) => unknown): LgNode => ({ value });

/** A node with named children, each shown as a link, after the `inline` members. */
export function branch(
  children: Readonly<Record<string, LgNode>>,
  inline: (ctx: LgContext) => Record<string, unknown> = () => ({}),
): LgNode {
  return {
    value: (ctx) => ({
      ...inline(ctx),
      ...Object.fromEntries(Object.keys(children).map((k) => [k, ctx.link(k)])),
    }),
    child: (segment) => (Object.hasOwn(children, segment) ? children[segment] : undefined),
  };
}

export interface CollectionSpec<T> {
  items(ctx: LgContext): readonly T[];
  id(item: T): string;
  /** Members shown in the list besides `id` and `href`. */
  summary?(item: T, ctx: LgContext): Record<string, unknown>;
  node(item: T): LgNode;
}

/** A collection `[{id, href, …}]` whose children are found by id. */
export function collection<T>(spec: CollectionSpec<T>): LgNode {
  return {
    value: (ctx) =>
      spec.items(ctx).map((item) => {
        const id = spec.id(item);
        return { id, ...spec.summary?.(item, ctx), ...ctx.link(id) };
      }),
    child: (segment, ctx) => {
      const item = spec.items(ctx).find((i) => spec.id(i) === segment);
      return item === undefined ? undefined : spec.node(item);
    },
  };
}

/** Decode the path below /looking-glass into segments; a bad escape is a 404. */
export function segmentsOf(path: string): string[] {
  const rest = path.slice(LG_ROOT.length);
  return rest
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new HttpError(404, 'Not Found', `No such looking glass object: ${s} at ${LG_ROOT}`);
      }
    });
}

/** Walk from `root` along `segments`; returns the node and its context, or throws bagpipe's 404. */
export function resolve(root: LgNode, segments: readonly string[], ctx: LgContext): [LgNode, LgContext] {
  let node = root;
  let at = ctx;
  for (const segment of segments) {
    const next = node.child?.(segment, at);
    if (next === undefined) {
      const prefix = at.url(at.path);
      throw new HttpError(404, 'Not Found', `No such looking glass object: ${segment} at ${prefix}`);
    }
    node = next;
    at = at.at(segment);
  }
  return [node, at];
}

/** "YYYY-MM-DD HH:MM:SS" in local time, as bagpipe's `time.strftime`. */
export function localTime(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number): string => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
  );
}

/** Sorted copy, by a string key. */
export function sortedBy<T>(items: Iterable<T>, key: (t: T) => string): T[] {
  return [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}
