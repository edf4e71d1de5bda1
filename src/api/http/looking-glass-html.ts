/**
 * The looking glass for browsers: the same JSON node rendered as plain server-side HTML. A
 * heading of breadcrumb links, tables for objects and collections, links between nodes, a
 * little inline CSS and no JavaScript. Every text and attribute is escaped; pictures (inline
 * SVG from looking-glass-svg.ts) are inserted as given.
 */
import { escapeXml } from './looking-glass-svg.js';

export interface Crumb {
  readonly label: string;
  readonly href: string;
}

export interface Page {
  /** From the root to the current node (the last one is not a link). */
  readonly crumbs: readonly Crumb[];
  readonly value: unknown;
  /** Inline SVG documents. */
  readonly pictures?: readonly string[];
  /** Appended to every link (e.g. "?format=html"). */
  readonly linkSuffix?: string;
  readonly version: string;
}

export const escapeHtml = escapeXml;

const CSS =
  'body{font:14px sans-serif;margin:1em 2em;color:#222}h1{font-size:1.3em}a{color:#0b57d0}' +
  'table{border-collapse:collapse;margin:2px 0}td,th{border:1px solid #ccc;padding:2px 6px;' +
  'vertical-align:top;text-align:left;overflow-wrap:anywhere}th{background:#f2f2f2}td.k{font-weight:bold;background:#fafafa}' +
  '.n{color:#888}.s{font-family:monospace}figure{margin:1em 0;overflow-x:auto}footer{color:#888;margin-top:2em}';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A `{href}` (optionally with `id` and more) link object. */
const hrefOf = (v: unknown): string | undefined =>
  isObj(v) && typeof v['href'] === 'string' ? v['href'] : undefined;

/** The last path segment of a link, decoded, for its text. */
function linkLabel(href: string): string {
  const last = href.slice(href.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

class Renderer {
  readonly #suffix: string;

  constructor(suffix: string) {
    this.#suffix = suffix;
  }

  link(href: string, label: string): string {
    return `<a href="${escapeHtml(href + this.#suffix)}">${escapeHtml(label)}</a>`;
  }

  value(v: unknown): string {
    if (v === null || v === undefined) return '<span class="n">null</span>';
    if (typeof v === 'string')
      return v === '' ? '<span class="n">""</span>' : `<span class="s">${escapeHtml(v)}</span>`;
    if (typeof v === 'number' || typeof v === 'boolean') return escapeHtml(String(v));
    if (Array.isArray(v)) return this.array(v);
    if (isObj(v)) {
      const href = hrefOf(v);
      if (href === undefined) return this.object(v);
      // A link, labelled by its `id` when it has one; any other member follows it.
      const { href: _h, id, ...rest } = v;
      const link = this.link(href, typeof id === 'string' ? id : linkLabel(href));
      return Object.keys(rest).length === 0 ? link : link + this.object(rest);
    }
    return escapeHtml(JSON.stringify(v));
  }

  object(o: Obj): string {
    const keys = Object.keys(o);
    if (keys.length === 0) return '<span class="n">{}</span>';
    const rows = keys.map((k) => `<tr><td class="k">${escapeHtml(k)}</td><td>${this.value(o[k])}</td></tr>`);
    return `<table>${rows.join('')}</table>`;
  }

  array(a: readonly unknown[]): string {
    if (a.length === 0) return '<span class="n">(none)</span>';
    if (a.every(isObj)) {
      if (a.every((o) => Object.keys(o).length === 1 && isObj(Object.values(o)[0]))) return this.keyed(a);
      return this.table(a);
    }
    return a.map((v) => this.value(v)).join('<br>');
  }

  /** Rows of objects: one column per key; `id` links to `href`. */
  table(rows: readonly Obj[]): string {
    const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => k !== 'href');
    const head = cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
    const body = rows.map((r) => {
      const href = hrefOf(r);
      const cells = cols.map((c) => {
        const v = r[c];
        if (c === 'id' && href !== undefined) return `<td>${this.link(href, String(v))}</td>`;
        return `<td>${v === undefined ? '' : this.value(v)}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    });
    return `<table><tr>${head}</tr>${body.join('')}</table>`;
  }

  /** bagpipe's route lists `[{<nlri>: {...}}]`: the key is the first column. */
  keyed(rows: readonly Obj[]): string {
    const flat = rows.map((r) => {
      const [key, inner] = Object.entries(r)[0] ?? ['', {}];
      return { '': key, ...(inner as Obj) };
    });
    return this.table(flat);
  }
}

function heading(crumbs: readonly Crumb[], r: Renderer): string {
  const parts = crumbs.map((c, i) =>
    i === crumbs.length - 1 ? escapeHtml(c.label) : r.link(c.href, c.label),
  );
  return `<h1>${parts.join(' / ')}</h1>`;
}

function document(title: string, body: string): string {
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<style>${CSS}</style></head><body>${body}</body></html>\n`
  );
}

/** The whole page of one node. */
export function renderPage(p: Page): string {
  const r = new Renderer(p.linkSuffix ?? '');
  const title = p.crumbs.map((c) => c.label).join(' / ');
  const pictures = (p.pictures ?? []).map((svg) => `<figure>${svg}</figure>`).join('');
  const footer = `<footer>bagpipe-bgp ${escapeHtml(p.version)}</footer>`;
  return document(title, heading(p.crumbs, r) + pictures + r.value(p.value) + footer);
}

/** An error page (e.g. the 404 of an unknown node) with the same heading. */
export function renderError(crumbs: readonly Crumb[], message: string, version: string, suffix = ''): string {
  const r = new Renderer(suffix);
  const body = `${heading(crumbs, r)}<p>${escapeHtml(message)}</p><footer>bagpipe-bgp ${escapeHtml(version)}</footer>`;
  return document(crumbs.map((c) => c.label).join(' / '), body);
}
