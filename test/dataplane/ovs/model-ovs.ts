/**
 * A toy Open vSwitch for unit tests: a `CommandRunner` that answers the commands the OVS driver
 * runs (`ovs-ofctl dump-ports-desc | dump-flows cookie=V/M | dump-groups | bundle <file> |
 * --bundle add-flows <file>`,
 * `ovs-vsctl add-port`, `ip -j neigh show`) from in-memory tables, printed the way OVS 3.1
 * prints them. Bundles are atomic as in OVS: a line the test marks bad, an add of an existing
 * group, or a flow pointing at a missing group fails the whole bundle and changes nothing.
 * Deleting a group deletes the flows that point at it, as OVS does. No process is started.
 */
import { readFileSync } from 'node:fs';
import { FakeRunner } from '../../../src/dataplane/fake-runner.js';
import type { RunResult } from '../../../src/dataplane/runner.js';

export interface ModelFlow {
  cookie: bigint;
  table: number;
  priority: number;
  match: string;
  actions: string;
}

const ok = (stdout = ''): RunResult => ({ code: 0, stdout, stderr: '' });
const fail = (stderr: string): RunResult => ({ code: 1, stdout: '', stderr });

/** Splits `k=v,k=v,...` (the part before ` actions=`) into cookie/table/priority and the match. */
function parseHead(head: string): { cookie: string; table: number; priority: number; match: string } {
  const fields = head.split(',').map((t) => t.trim());
  const take = (name: string): string | undefined =>
    fields.find((f) => f.startsWith(`${name}=`))?.slice(name.length + 1);
  const rest = fields.filter((f) => !/^(cookie|table|priority)=/.test(f) && f !== '');
  return {
    cookie: take('cookie') ?? '0',
    table: Number(take('table') ?? 0),
    priority: Number(take('priority') ?? 32768),
    match: rest.join(','),
  };
}

const fileLines = (path: string): string[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '');

const keyOf = (table: number, priority: number, match: string): string =>
  [table, priority, ...match.split(',').sort()].join('|');

export class ModelOvs extends FakeRunner {
  readonly ports = new Map<string, { ofport: number; mac: string }>();
  readonly flows = new Map<string, ModelFlow>();
  readonly groups = new Map<number, string>();
  readonly neigh = new Map<string, string>();
  /** The lines of every bundle attempted, in order. */
  readonly bundles: string[][] = [];
  /** When set, every ovs-ofctl call fails as if the socket were missing. */
  unreachable = false;
  #bad: { match: (line: string) => boolean; message: string }[] = [];

  addPort(
    name: string,
    ofport = this.ports.size + 1,
    mac = `aa:00:00:00:00:${ofport.toString(16).padStart(2, '0')}`,
  ): this {
    this.ports.set(name, { ofport, mac });
    return this;
  }

  /** Bundle lines matching `match` make their bundle fail with `message`. */
  failMods(match: (line: string) => boolean, message = 'Error OFPBAC_BAD_ARGUMENT for: OFPT_FLOW_MOD'): this {
    this.#bad.push({ match, message });
    return this;
  }

  /** Adds a flow directly (someone else's, or drift). */
  put(text: string): void {
    const at = text.indexOf(' actions=');
    const h = parseHead(text.slice(0, at));
    const f = { ...h, cookie: BigInt(h.cookie), actions: text.slice(at + 9) };
    this.flows.set(keyOf(f.table, f.priority, f.match), f);
  }

  /** `dump-groups` output. */
  dumpGroups(): string {
    return `OFPST_GROUP_DESC reply (OF1.5) (xid=0x2):\n${[...this.groups.values()].map((g) => ` ${g}\n`).join('')}`;
  }

  /** Every flow as ` cookie=…, table=…, priority=…,match actions=…` (the dump format). */
  dump(mask?: { value: bigint; mask: bigint }): string {
    const lines = [...this.flows.values()]
      .filter((f) => mask === undefined || (f.cookie & mask.mask) === mask.value)
      .map((f) => {
        const table = f.table === 0 ? '' : ` table=${f.table},`;
        const match = f.match === '' ? '' : `,${f.match}`;
        return ` cookie=0x${f.cookie.toString(16)},${table} priority=${f.priority}${match} actions=${f.actions}`;
      });
    return lines.map((l) => `${l}\n`).join('');
  }

  override run(argv: readonly string[]): Promise<RunResult> {
    const [tool] = argv;
    if (tool === 'ovs-ofctl') {
      this.runs.push([...argv]);
      return Promise.resolve(
        this.unreachable
          ? fail('ovs-ofctl: failed to connect to socket (No such file or directory)')
          : this.#ofctl(argv),
      );
    }
    if (tool === 'ovs-vsctl' && argv.includes('add-port')) {
      this.runs.push([...argv]);
      const name = argv[argv.indexOf('add-port') + 2] ?? '';
      if (!this.ports.has(name)) this.addPort(name);
      return Promise.resolve(ok());
    }
    if (tool === 'ip' && argv.includes('neigh')) {
      this.runs.push([...argv]);
      const list = [...this.neigh].map(([dst, lladdr]) => ({
        dst,
        dev: 'br-mpls',
        lladdr,
        state: ['REACHABLE'],
      }));
      return Promise.resolve(ok(JSON.stringify(list)));
    }
    return super.run(argv);
  }

  #ofctl(argv: readonly string[]): RunResult {
    const cmd = argv.find((a) => /^(dump-|bundle$|add-flows$)/.test(a));
    const last = argv[argv.length - 1] ?? '';
    switch (cmd) {
      case 'dump-ports-desc': {
        const ports = [...this.ports].map(
          ([n, p]) => ` ${p.ofport}(${n}): addr:${p.mac}\n     config:     0\n`,
        );
        return ok(
          `OFPST_PORT_DESC reply (OF1.5) (xid=0x2):\n${ports.join('')} LOCAL(br-mpls): addr:aa:00:00:00:00:ff\n`,
        );
      }
      case 'dump-flows': {
        const m = /^cookie=(0x[0-9a-f]+)\/(0x[0-9a-f]+)$/.exec(last);
        return ok(this.dump(m === null ? undefined : { value: BigInt(m[1] ?? 0), mask: BigInt(m[2] ?? 0) }));
      }
      case 'dump-groups':
        return ok(this.dumpGroups());
      case 'bundle':
        return this.bundle(fileLines(last));
      case 'add-flows':
        if (!argv.includes('--bundle')) return fail('model: add-flows without --bundle is not atomic');
        return this.bundle(fileLines(last).map((l) => `flow ${l}`));
      case undefined:
      default:
        return fail(`model: unsupported ${argv.join(' ')}`);
    }
  }

  /** Applies the lines to copies of the tables; commits only if all succeed. */
  bundle(lines: string[]): RunResult {
    this.bundles.push(lines);
    const flows = new Map(this.flows);
    const groups = new Map(this.groups);
    for (const line of lines) {
      const why = this.#bad.find((b) => b.match(line))?.message ?? applyLine(line, flows, groups);
      if (why !== undefined) return fail(`${why}\nError OFPBFC_MSG_FAILED for: OFPT_BUNDLE_CONTROL (OF1.5)`);
    }
    this.flows.clear();
    for (const [k, f] of flows) this.flows.set(k, f);
    this.groups.clear();
    for (const [k, g] of groups) this.groups.set(k, g);
    return ok();
  }
}

function applyLine(
  line: string,
  flows: Map<string, ModelFlow>,
  groups: Map<number, string>,
): string | undefined {
  const [kind, op = '', ...rest] = line.split(' ');
  const body = rest.join(' ');
  if (kind === 'group') {
    const id = Number(/group_id=(\d+)/.exec(body)?.[1]);
    if (op === 'delete') {
      groups.delete(id);
      for (const [k, f] of flows) if (f.actions === `group:${id}`) flows.delete(k);
    } else if (op === 'add' && groups.has(id)) return 'Error OFPGMFC_GROUP_EXISTS';
    else if (op === 'modify' && !groups.has(id)) return 'Error OFPGMFC_UNKNOWN_GROUP';
    else groups.set(id, body);
    return undefined;
  }
  const at = body.indexOf(' actions=');
  const h = parseHead(at < 0 ? body : body.slice(0, at));
  const key = keyOf(h.table, h.priority, h.match);
  if (op === 'delete_strict') {
    const cookie = BigInt(h.cookie.replace('/-1', ''));
    if (flows.get(key)?.cookie === cookie) flows.delete(key);
    return undefined;
  }
  const actions = body.slice(at + 9);
  const group = /^group:(\d+)$/.exec(actions);
  if (group !== null && !groups.has(Number(group[1]))) return 'Error OFPBAC_BAD_OUT_GROUP';
  flows.set(key, { ...h, cookie: BigInt(h.cookie), actions });
  return undefined;
}
