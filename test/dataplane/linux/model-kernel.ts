/**
 * A toy kernel for unit tests: a `CommandRunner` that interprets the batch lines the Linux
 * drivers emit (and only those), and answers their observation dumps with iproute2-shaped JSON.
 * It lets tests run plan → apply → observe loops without root: convergence, adoption, drift.
 */
import type {
  BatchLineError,
  BatchResult,
  BatchTool,
  CommandRunner,
  RunResult,
} from '../../../src/dataplane/runner.js';

export interface ModelLink {
  ifindex: number;
  ifname: string;
  kind?: string;
  master?: string;
  up: boolean;
  address: string;
  alias?: string;
  vxlan?: { id: number; local: string; port: number; learning: boolean; udp_csum: boolean };
  port?: { learning: boolean; neigh_suppress: boolean };
}
export interface ModelFdb {
  mac: string;
  ifname: string;
  master?: string;
  self: boolean;
  dst?: string;
  vni?: number;
  state: string;
}
export interface ModelNeigh {
  dst: string;
  dev: string;
  lladdr: string;
  protocol?: string;
}
export interface ModelRoute {
  dst: string;
  table: number;
  protocol: string;
  hops: { gateway?: string; dev: string }[];
}
export interface ModelRule {
  priority: number;
  iif: string;
  table?: number;
  action?: string;
  protocol: string;
}
export interface ModelAddr {
  ifname: string;
  local: string;
  prefixlen: number;
  metric?: number;
}

/** Splits a batch line like iproute2's makeargs (double quotes group words). */
export function tokens(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

const opt = (t: string[], key: string): string | undefined => {
  const i = t.indexOf(key);
  return i >= 0 ? t[i + 1] : undefined;
};

export class ModelKernel implements CommandRunner {
  links = new Map<string, ModelLink>();
  fdb: ModelFdb[] = [];
  neigh: ModelNeigh[] = [];
  routes: ModelRoute[] = [];
  rules: ModelRule[] = [];
  addrs: ModelAddr[] = [];
  sysctl = new Map<string, string>([['net/ipv4/ip_forward', '0']]);
  /** Lines applied, per batch. */
  readonly applied: string[] = [];
  recycles = 0;
  #nextIndex = 10;

  /** A plain interface (a VM port) that exists before the driver runs. */
  addPort(ifname: string, address = '02:00:00:00:ff:01'): void {
    this.links.set(ifname, { ifindex: this.#nextIndex++, ifname, up: false, address, kind: 'veth' });
    this.sysctl.set(`net/ipv4/conf/${ifname}/proxy_arp`, '0');
    this.sysctl.set(`net/ipv4/conf/${ifname}/rp_filter`, '0');
    this.sysctl.set(`net/ipv4/neigh/${ifname}/proxy_delay`, '80');
  }

  run(argv: readonly string[]): Promise<RunResult> {
    const text = argv.join(' ');
    const out = (stdout: string): Promise<RunResult> => Promise.resolve({ code: 0, stdout, stderr: '' });
    if (text === 'ip -j -d link show') return out(JSON.stringify([...this.links.values()].map(linkJson)));
    if (text === 'bridge -j fdb show') return out(JSON.stringify(this.fdb.map((e) => this.#fdbJson(e))));
    if (text === 'ip -j neigh show nud permanent') return out(JSON.stringify(this.neigh.map(neighJson)));
    if (text.startsWith('ip -j route show table all proto')) {
      // As iproute2: only the routes of that protocol, printed without it.
      const proto = argv.at(-1);
      return out(JSON.stringify(this.routes.filter((r) => r.protocol === proto).map(routeJson)));
    }
    if (text === 'ip -j rule show') return out(JSON.stringify(this.rules.map(ruleJson)));
    if (text === 'ip -j addr show') return out(JSON.stringify(this.#addrJson()));
    if (argv[0] === 'grep') return out([...this.sysctl].map(([k, v]) => `/proc/sys/${k}:${v}`).join('\n'));
    if (argv[0] === 'sysctl') return Promise.resolve(this.#sysctl(argv.slice(2)));
    return Promise.resolve({ code: 1, stdout: '', stderr: `model: unknown command ${text}` });
  }

  batch(tool: BatchTool, lines: readonly string[]): Promise<BatchResult> {
    const errors: BatchLineError[] = [];
    lines.forEach((line, index) => {
      try {
        const t = tokens(line);
        if (tool === 'ip') this.#ip(t);
        else this.#bridge(t);
        this.applied.push(`${tool} ${line}`);
      } catch (e) {
        errors.push({ index, line, message: e instanceof Error ? e.message : String(e) });
      }
    });
    return Promise.resolve({ sent: lines.length, errors });
  }

  recycle(): void {
    this.recycles++;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #link(name: string | undefined): ModelLink {
    const l = this.links.get(name ?? '');
    if (l === undefined) throw new Error(`Cannot find device "${name ?? ''}"`);
    return l;
  }

  #ip(t: string[]): void {
    const [obj, verb] = t;
    if (obj === 'link') this.#ipLink(verb, t);
    else if (obj === 'neigh') this.#ipNeigh(verb, t);
    else if (obj === 'route') this.#ipRoute(verb, t);
    else if (obj === 'rule') this.#ipRule(verb, t);
    else if (obj === 'addr') this.#ipAddr(verb, t);
    else throw new Error(`model: ip ${obj ?? ''}`);
  }

  #ipLink(verb: string | undefined, t: string[]): void {
    if (verb === 'add') {
      const name = opt(t, 'name') ?? '';
      if (this.links.has(name)) throw new Error('RTNETLINK answers: File exists');
      const kind = opt(t, 'type');
      const l: ModelLink = {
        ifindex: this.#nextIndex++,
        ifname: name,
        up: false,
        address: opt(t, 'address') ?? '02:00:00:00:00:aa',
        ...(kind === undefined ? {} : { kind }),
      };
      if (kind === 'vxlan') {
        l.vxlan = {
          id: Number(opt(t, 'id')),
          local: opt(t, 'local') ?? '',
          port: Number(opt(t, 'dstport')),
          learning: !t.includes('nolearning'),
          udp_csum: !t.includes('noudpcsum'),
        };
      }
      this.links.set(name, l);
      for (const k of ['proxy_arp', 'rp_filter']) this.sysctl.set(`net/ipv4/conf/${name}/${k}`, '0');
      return;
    }
    const l = this.#link(opt(t, 'dev'));
    if (verb === 'del') {
      this.#delLink(l);
      return;
    }
    if (verb !== 'set') throw new Error(`model: link ${verb ?? ''}`);
    const master = opt(t, 'master');
    if (master !== undefined) {
      this.#link(master);
      l.master = master;
      l.port = { learning: true, neigh_suppress: false };
    }
    if (t.includes('nomaster')) this.#release(l);
    const alias = opt(t, 'alias');
    if (alias !== undefined) l.alias = alias;
    const address = opt(t, 'address');
    if (address !== undefined) l.address = address;
    if (t.includes('up')) l.up = true;
  }

  #release(l: ModelLink): void {
    delete l.master;
    delete l.port;
    this.fdb = this.fdb.filter((e) => e.self || e.ifname !== l.ifname);
  }

  #delLink(l: ModelLink): void {
    this.links.delete(l.ifname);
    for (const s of this.links.values()) if (s.master === l.ifname) this.#release(s);
    this.fdb = this.fdb.filter((e) => e.ifname !== l.ifname && e.master !== l.ifname);
    this.neigh = this.neigh.filter((n) => n.dev !== l.ifname);
    this.routes = this.routes.filter((r) => r.hops.every((h) => h.dev !== l.ifname));
    this.addrs = this.addrs.filter((a) => a.ifname !== l.ifname);
  }

  #ipNeigh(verb: string | undefined, t: string[]): void {
    const dst = t[2] ?? '';
    const dev = this.#link(opt(t, 'dev')).ifname;
    const i = this.neigh.findIndex((n) => n.dst === dst && n.dev === dev);
    if (verb === 'del') {
      if (i < 0) throw new Error('RTNETLINK answers: No such file or directory');
      this.neigh.splice(i, 1);
      return;
    }
    const proto = opt(t, 'proto');
    const n: ModelNeigh = {
      dst,
      dev,
      lladdr: opt(t, 'lladdr') ?? '',
      ...(proto === undefined ? {} : { protocol: proto }),
    };
    if (i >= 0) this.neigh[i] = n;
    else this.neigh.push(n);
  }

  #ipRoute(verb: string | undefined, t: string[]): void {
    const dst = t[2] ?? '';
    const table = Number(opt(t, 'table') ?? 254);
    const i = this.routes.findIndex((r) => r.dst === dst && r.table === table);
    if (verb === 'del') {
      if (i < 0) throw new Error('RTNETLINK answers: No such process');
      this.routes.splice(i, 1);
      return;
    }
    const hops: ModelRoute['hops'] = [];
    t.forEach((w, k) => {
      if (w === 'via') hops.push({ gateway: t[k + 1] ?? '', dev: this.#link(t[k + 3]).ifname });
    });
    if (hops.length === 0) hops.push({ dev: this.#link(opt(t, 'dev')).ifname });
    const r = { dst, table, protocol: opt(t, 'proto') ?? 'boot', hops };
    if (i >= 0) this.routes[i] = r;
    else this.routes.push(r);
  }

  #ipRule(verb: string | undefined, t: string[]): void {
    const lookup = opt(t, 'lookup');
    const r: ModelRule = {
      priority: Number(opt(t, 'pref')),
      iif: opt(t, 'iif') ?? '',
      protocol: opt(t, 'proto') ?? '0',
      ...(lookup === undefined ? { action: 'unreachable' } : { table: Number(lookup) }),
    };
    const same = (x: ModelRule): boolean =>
      x.priority === r.priority && x.iif === r.iif && x.table === r.table && x.action === r.action;
    const i = this.rules.findIndex(same);
    if (verb === 'del') {
      if (i < 0) throw new Error('RTNETLINK answers: No such file or directory');
      this.rules.splice(i, 1);
    } else if (i >= 0) throw new Error('RTNETLINK answers: File exists');
    else this.rules.push(r);
  }

  #ipAddr(verb: string | undefined, t: string[]): void {
    const [local = '', len = '32'] = (t[2] ?? '').split('/');
    const ifname = this.#link(opt(t, 'dev')).ifname;
    const i = this.addrs.findIndex(
      (a) => a.ifname === ifname && a.local === local && a.prefixlen === Number(len),
    );
    if (verb === 'del') {
      if (i < 0) throw new Error('RTNETLINK answers: Cannot assign requested address');
      this.addrs.splice(i, 1);
      return;
    }
    const metric = opt(t, 'metric');
    const a = {
      ifname,
      local,
      prefixlen: Number(len),
      ...(metric === undefined ? {} : { metric: Number(metric) }),
    };
    if (i >= 0) this.addrs[i] = a;
    else this.addrs.push(a);
  }

  #bridge(t: string[]): void {
    const [obj, verb] = t;
    const dev = this.#link(opt(t, 'dev'));
    if (obj === 'link') {
      if (dev.port === undefined) throw new Error('RTNETLINK answers: Operation not supported');
      dev.port = {
        learning: opt(t, 'learning') !== 'off',
        neigh_suppress: opt(t, 'neigh_suppress') === 'on',
      };
      return;
    }
    const mac = t[2] ?? '';
    const self = t.includes('self');
    const dst = opt(t, 'dst');
    const vniText = opt(t, 'vni');
    const vni = vniText === undefined ? undefined : Number(vniText);
    const master = self ? undefined : dev.master;
    if (!self && master === undefined) throw new Error('RTNETLINK answers: Operation not supported');
    const match = (e: ModelFdb): boolean =>
      e.mac === mac &&
      e.self === self &&
      (self ? e.ifname === dev.ifname : e.master === master) &&
      (verb !== 'append' && (verb !== 'del' || dst === undefined)
        ? true
        : e.dst === dst && (e.vni ?? dev.vxlan?.id) === (vni ?? dev.vxlan?.id));
    if (verb === 'del') {
      if (!this.fdb.some(match)) throw new Error('RTNETLINK answers: No such file or directory');
      this.fdb = this.fdb.filter((e) => !match(e));
      return;
    }
    const entry: ModelFdb = {
      mac,
      ifname: dev.ifname,
      self,
      state: t.includes('permanent') ? 'permanent' : 'static',
      ...(master === undefined ? {} : { master }),
      ...(dst === undefined ? {} : { dst }),
      ...(vni === undefined ? {} : { vni }),
    };
    if (verb === 'append' && this.fdb.some(match)) return;
    if (verb === 'replace') this.fdb = this.fdb.filter((e) => !match(e));
    this.fdb.push(entry);
  }

  #sysctl(args: readonly string[]): RunResult {
    const errs: string[] = [];
    for (const a of args) {
      const [k = '', v = ''] = a.split('=');
      if (this.sysctl.has(k)) this.sysctl.set(k, v);
      else errs.push(`sysctl: cannot stat /proc/sys/${k}: No such file or directory`);
    }
    return { code: errs.length ? 255 : 0, stdout: '', stderr: errs.join('\n') };
  }

  #fdbJson(e: ModelFdb): object {
    const devVni = this.links.get(e.ifname)?.vxlan?.id;
    return {
      mac: e.mac,
      ifname: e.ifname,
      ...(e.dst === undefined ? {} : { dst: e.dst }),
      ...(e.vni === undefined || e.vni === devVni ? {} : { vni: e.vni }),
      flags: e.self ? ['self'] : [],
      ...(e.master === undefined ? {} : { master: e.master }),
      state: e.state,
    };
  }

  #addrJson(): object[] {
    return [...this.links.values()].map((l) => ({
      ifname: l.ifname,
      addr_info: this.addrs
        .filter((a) => a.ifname === l.ifname)
        .map((a) => ({
          family: 'inet',
          local: a.local,
          prefixlen: a.prefixlen,
          ...(a.metric === undefined ? {} : { metric: a.metric }),
        })),
    }));
  }
}

function linkJson(l: ModelLink): object {
  const info: Record<string, unknown> = {};
  if (l.kind !== undefined) info['info_kind'] = l.kind;
  if (l.vxlan !== undefined) info['info_data'] = l.vxlan;
  if (l.port !== undefined) {
    info['info_slave_kind'] = 'bridge';
    info['info_slave_data'] = l.port;
  }
  return {
    ifindex: l.ifindex,
    ifname: l.ifname,
    flags: l.up ? ['BROADCAST', 'UP'] : ['BROADCAST'],
    ...(l.master === undefined ? {} : { master: l.master }),
    address: l.address,
    ...(l.alias === undefined ? {} : { ifalias: l.alias }),
    linkinfo: info,
  };
}

const neighJson = (n: ModelNeigh): object => ({
  dst: n.dst,
  dev: n.dev,
  lladdr: n.lladdr,
  state: ['PERMANENT'],
  ...(n.protocol === undefined ? {} : { protocol: n.protocol }),
});

function routeJson(r: ModelRoute): object {
  const dst = r.dst === '0.0.0.0/0' ? 'default' : r.dst.endsWith('/32') ? r.dst.slice(0, -3) : r.dst;
  const hop = (h: ModelRoute['hops'][number]): object => ({
    ...(h.gateway === undefined ? {} : { gateway: h.gateway }),
    dev: h.dev,
  });
  const first = r.hops[0];
  const body = r.hops.length > 1 || first === undefined ? { nexthops: r.hops.map(hop) } : hop(first);
  return { dst, table: String(r.table), ...body, flags: [] };
}

const ruleJson = (r: ModelRule): object => ({
  priority: r.priority,
  src: 'all',
  iif: r.iif,
  ...(r.table === undefined ? { action: r.action } : { table: String(r.table) }),
  protocol: r.protocol,
});
