/**
 * Route distinguisher and label/VNI allocation for VPN instances (bagpipe §4.1), stable across
 * restarts: the same instance id gets the same RD number and VNI, the same (instance, MAC) the
 * same MPLS label, the same (instance, endpoint) the same endpoint RD. Allocations live in a
 * small JSON file in the state directory, rewritten (temp file + rename) after each change, or
 * once at the end of a `batch`. A missing or unreadable file means "start empty" (logged).
 *
 * Pools, as in bagpipe: RD type 1 `<local address>:<n>` with n in 0..65535 (RFC 4364 4.2), and
 * one label pool 16..2^20-1 (RFC 3032 2.1: 0-15 are reserved) for instance VNIs and per-MAC
 * labels. Each pool hands out numbers from a monotonic cursor that wraps, so a released number
 * is reused only after the cursor came round, and a number still held is never handed out.
 * Explicit values (spec.routeDistinguisher, spec.vni) are honoured; the same explicit value in
 * two instances, or one that collides with a number held by another instance, is an
 * `AllocationError` naming both.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { BgpdError } from '../lib/errors.js';
import { silentLogger, type Logger } from '../lib/log.js';

export const RD_RANGE = { min: 0, max: 65535 } as const;
/** RFC 3032 2.1: labels 0-15 are reserved; a label is 20 bits. */
export const LABEL_RANGE = { min: 16, max: 2 ** 20 - 1 } as const;

export type AllocationErrorCode = 'BGPD_ERR_ALLOCATION_CONFLICT' | 'BGPD_ERR_ALLOCATION_EXHAUSTED';

export class AllocationError extends BgpdError {
  declare readonly code: AllocationErrorCode;
  /** The instances involved: the one asking first, then the current holder (conflicts). */
  readonly owners: readonly string[];

  constructor(code: AllocationErrorCode, owners: readonly string[], message: string) {
    super(code, message);
    this.owners = owners;
  }
}

export interface AllocatorOptions {
  /** The BGP local address: automatic RDs are `<localAddress>:<n>`. */
  readonly localAddress: string;
  /** The JSON state file; undefined keeps allocations in memory only. */
  readonly path?: string | undefined;
  readonly logger?: Logger;
}

/** What an instance holds. */
export interface InstanceIds {
  readonly rd: string;
  readonly vni: number;
}

/** Holder descriptions of instance numbers start with this (the others are per port). */
const INSTANCE = 'instance ';

interface Holder {
  readonly owner: string;
  readonly what: string;
}

/** One number space with a wrapping cursor. */
class Pool {
  readonly held = new Map<number, Holder>();
  readonly min: number;
  readonly max: number;
  readonly name: string;
  next: number;

  constructor(min: number, max: number, name: string) {
    this.min = min;
    this.max = max;
    this.name = name;
    this.next = min;
  }

  inRange(n: number): boolean {
    return Number.isInteger(n) && n >= this.min && n <= this.max;
  }

  allocate(holder: Holder): number {
    const size = this.max - this.min + 1;
    for (let i = 0; i < size; i++) {
      const n = this.min + ((this.next - this.min + i) % size);
      if (this.held.has(n)) continue;
      this.held.set(n, holder);
      this.next = n === this.max ? this.min : n + 1;
      return n;
    }
    throw new AllocationError(
      'BGPD_ERR_ALLOCATION_EXHAUSTED',
      [holder.owner],
      `${this.name} pool ${this.min}..${this.max} exhausted (for ${holder.owner} ${holder.what})`,
    );
  }

  /** The holder of `n` unless it is `owner`'s own instance number (an explicit value may replace it). */
  heldByOther(n: number, owner: string): Holder | undefined {
    const h = this.held.get(n);
    return h !== undefined && !(h.owner === owner && h.what.startsWith(INSTANCE)) ? h : undefined;
  }
}

interface OwnerState {
  /** Automatic RD number, or the explicit RD text. */
  rd: number | string | undefined;
  vni: { readonly n: number; readonly explicit: boolean } | undefined;
  readonly macs: Map<string, number>;
  readonly endpoints: Map<string, number>;
}

interface FileOwner {
  rd?: number;
  vni?: number;
  macs?: Record<string, number>;
  endpointRds?: Record<string, number>;
}

interface FileShape {
  version: 1;
  rdNext: number;
  labelNext: number;
  instances: Record<string, FileOwner>;
}

const isRecordOfNumbers = (v: unknown): v is Record<string, number> =>
  typeof v === 'object' && v !== null && Object.values(v).every((x) => typeof x === 'number');

export class Allocator {
  readonly #localAddress: string;
  readonly #path: string | undefined;
  readonly #log: Logger;
  readonly #rds = new Pool(RD_RANGE.min, RD_RANGE.max, 'route distinguisher');
  readonly #labels = new Pool(LABEL_RANGE.min, LABEL_RANGE.max, 'label');
  readonly #owners = new Map<string, OwnerState>();
  /** Explicit values outside the pools (or any explicit RD text) → owner. */
  readonly #explicitRds = new Map<string, string>();
  readonly #explicitVnis = new Map<number, string>();
  #batchDepth = 0;
  #dirty = false;

  constructor(opts: AllocatorOptions) {
    this.#localAddress = opts.localAddress;
    this.#path = opts.path;
    this.#log = opts.logger ?? silentLogger;
    if (this.#path !== undefined) this.#load(this.#path);
  }

  /** The RD and VNI of an instance: the explicit ones when given, else its stable automatic ones. */
  instance(
    owner: string,
    want: { readonly rd?: string | undefined; readonly vni?: number | undefined },
  ): InstanceIds {
    if (want.rd !== undefined) this.#checkExplicitRd(owner, want.rd);
    if (want.vni !== undefined) this.#checkExplicitVni(owner, want.vni);
    const s = this.#state(owner);
    const rd = this.#assignRd(owner, s, want.rd);
    const vni = this.#assignVni(owner, s, want.vni);
    return { rd, vni };
  }

  /** The stable MPLS label of (instance, MAC). */
  portLabel(owner: string, mac: string): number {
    const s = this.#state(owner);
    const had = s.macs.get(mac);
    if (had !== undefined) return had;
    const n = this.#labels.allocate({ owner, what: `MAC ${mac}` });
    s.macs.set(mac, n);
    this.#changed();
    return n;
  }

  /** The stable RD of one endpoint (advertiseSubnet routes, IP-less MAC routes, readvertise). */
  endpointRd(owner: string, endpoint: string): string {
    const s = this.#state(owner);
    const had = s.endpoints.get(endpoint);
    if (had !== undefined) return this.#rdText(had);
    const n = this.#rds.allocate({ owner, what: `endpoint ${endpoint}` });
    s.endpoints.set(endpoint, n);
    this.#changed();
    return this.#rdText(n);
  }

  /** Release the per-port numbers of `owner` not in `macs` / `endpoints`. */
  retainPorts(owner: string, macs: ReadonlySet<string>, endpoints: ReadonlySet<string>): void {
    const s = this.#owners.get(owner);
    if (s === undefined) return;
    for (const [mac, n] of s.macs) {
      if (macs.has(mac)) continue;
      s.macs.delete(mac);
      this.#labels.held.delete(n);
      this.#changed();
    }
    for (const [ep, n] of s.endpoints) {
      if (endpoints.has(ep)) continue;
      s.endpoints.delete(ep);
      this.#rds.held.delete(n);
      this.#changed();
    }
  }

  /** Release everything `owner` holds (the instance was deleted). */
  releaseInstance(owner: string): void {
    const s = this.#owners.get(owner);
    if (s === undefined) return;
    this.retainPorts(owner, new Set(), new Set());
    this.#dropRd(s);
    this.#dropVni(s);
    this.#owners.delete(owner);
    this.#changed();
  }

  /** Release every instance not in `live` (deleted while the daemon was down, or since). */
  retainInstances(live: ReadonlySet<string>): void {
    for (const owner of [...this.#owners.keys()]) if (!live.has(owner)) this.releaseInstance(owner);
  }

  /** Run `fn` writing the state file once at the end instead of after each change. */
  batch<T>(fn: () => T): T {
    this.#batchDepth++;
    try {
      return fn();
    } finally {
      this.#batchDepth--;
      if (this.#batchDepth === 0 && this.#dirty) this.#save();
    }
  }

  /** What `owner` holds: MAC -> label, endpoint -> RD (looking glass, tests). */
  holdings(owner: string): {
    readonly labels: Map<string, number>;
    readonly endpointRds: Map<string, string>;
  } {
    const s = this.#owners.get(owner);
    return {
      labels: new Map(s?.macs ?? []),
      endpointRds: new Map([...(s?.endpoints ?? [])].map(([ep, n]) => [ep, this.#rdText(n)])),
    };
  }

  /** The owners holding something (looking glass, tests). */
  owners(): string[] {
    return [...this.#owners.keys()].sort();
  }

  #state(owner: string): OwnerState {
    let s = this.#owners.get(owner);
    if (s === undefined) {
      s = { rd: undefined, vni: undefined, macs: new Map(), endpoints: new Map() };
      this.#owners.set(owner, s);
    }
    return s;
  }

  #rdText(n: number): string {
    return `${this.#localAddress}:${n}`;
  }

  /** The pool number an explicit RD stands for, when it is one of ours. */
  #rdNumber(rd: string): number | undefined {
    const prefix = `${this.#localAddress}:`;
    if (!rd.startsWith(prefix)) return undefined;
    const n = Number(rd.slice(prefix.length));
    return this.#rds.inRange(n) ? n : undefined;
  }

  #conflict(owner: string, other: string, what: string): AllocationError {
    return new AllocationError(
      'BGPD_ERR_ALLOCATION_CONFLICT',
      [owner, other],
      `${what} of VPN instance ${owner} is already used by VPN instance ${other}`,
    );
  }

  #checkExplicitRd(owner: string, rd: string): void {
    const other = this.#explicitRds.get(rd);
    if (other !== undefined && other !== owner)
      throw this.#conflict(owner, other, `route distinguisher ${rd}`);
    const n = this.#rdNumber(rd);
    const h = n === undefined ? undefined : this.#rds.heldByOther(n, owner);
    if (h !== undefined) throw this.#conflict(owner, h.owner, `route distinguisher ${rd}`);
  }

  #checkExplicitVni(owner: string, vni: number): void {
    const other = this.#explicitVnis.get(vni);
    if (other !== undefined && other !== owner) throw this.#conflict(owner, other, `VNI ${vni}`);
    const h = this.#labels.inRange(vni) ? this.#labels.heldByOther(vni, owner) : undefined;
    if (h !== undefined) throw this.#conflict(owner, h.owner, `VNI ${vni} (held as ${h.what})`);
  }

  #assignRd(owner: string, s: OwnerState, explicit: string | undefined): string {
    if (explicit === undefined) {
      if (typeof s.rd === 'number') return this.#rdText(s.rd);
      this.#dropRd(s);
      s.rd = this.#rds.allocate({ owner, what: `${INSTANCE}RD` });
      this.#changed();
      return this.#rdText(s.rd);
    }
    if (s.rd === explicit) return explicit;
    this.#dropRd(s);
    s.rd = explicit;
    this.#explicitRds.set(explicit, owner);
    const n = this.#rdNumber(explicit);
    if (n !== undefined) this.#rds.held.set(n, { owner, what: `${INSTANCE}RD (explicit)` });
    this.#changed();
    return explicit;
  }

  #assignVni(owner: string, s: OwnerState, explicit: number | undefined): number {
    if (explicit === undefined) {
      if (s.vni !== undefined && !s.vni.explicit) return s.vni.n;
      this.#dropVni(s);
      s.vni = { n: this.#labels.allocate({ owner, what: `${INSTANCE}VNI` }), explicit: false };
      this.#changed();
      return s.vni.n;
    }
    if (s.vni?.explicit === true && s.vni.n === explicit) return explicit;
    this.#dropVni(s);
    s.vni = { n: explicit, explicit: true };
    this.#explicitVnis.set(explicit, owner);
    if (this.#labels.inRange(explicit))
      this.#labels.held.set(explicit, { owner, what: `${INSTANCE}VNI (explicit)` });
    this.#changed();
    return explicit;
  }

  #dropRd(s: OwnerState): void {
    if (s.rd === undefined) return;
    const n = typeof s.rd === 'number' ? s.rd : this.#rdNumber(s.rd);
    if (typeof s.rd === 'string') this.#explicitRds.delete(s.rd);
    if (n !== undefined) this.#rds.held.delete(n);
    s.rd = undefined;
  }

  #dropVni(s: OwnerState): void {
    if (s.vni === undefined) return;
    if (s.vni.explicit) this.#explicitVnis.delete(s.vni.n);
    if (this.#labels.inRange(s.vni.n)) this.#labels.held.delete(s.vni.n);
    s.vni = undefined;
  }

  #changed(): void {
    this.#dirty = true;
    if (this.#batchDepth === 0) this.#save();
  }

  #toFile(): FileShape {
    const instances: Record<string, FileOwner> = {};
    for (const [owner, s] of this.#owners) {
      const o: FileOwner = {};
      if (typeof s.rd === 'number') o.rd = s.rd;
      if (s.vni !== undefined && !s.vni.explicit) o.vni = s.vni.n;
      if (s.macs.size > 0) o.macs = Object.fromEntries(s.macs);
      if (s.endpoints.size > 0) o.endpointRds = Object.fromEntries(s.endpoints);
      instances[owner] = o;
    }
    return { version: 1, rdNext: this.#rds.next, labelNext: this.#labels.next, instances };
  }

  #save(): void {
    this.#dirty = false;
    if (this.#path === undefined) return;
    const tmp = `${this.#path}.tmp`;
    try {
      writeFileSync(tmp, `${JSON.stringify(this.#toFile())}\n`);
      renameSync(tmp, this.#path);
    } catch (e) {
      this.#log.error({ err: e, path: this.#path }, 'cannot write the allocation state file');
    }
  }

  #load(path: string): void {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      const missing = (e as { code?: unknown }).code === 'ENOENT';
      this.#log[missing ? 'info' : 'warn']({ err: e, path }, 'no allocation state, starting empty');
      return;
    }
    try {
      this.#restore(JSON.parse(text) as unknown);
    } catch (e) {
      this.#reset();
      this.#log.warn({ err: e, path }, 'corrupt allocation state file, starting empty');
    }
  }

  #reset(): void {
    this.#owners.clear();
    this.#rds.held.clear();
    this.#labels.held.clear();
    this.#rds.next = this.#rds.min;
    this.#labels.next = this.#labels.min;
  }

  #restore(raw: unknown): void {
    const f = raw as Partial<FileShape> | null;
    if (f?.version !== 1 || typeof f.instances !== 'object') throw new Error('not a version 1 state file');
    for (const [owner, o] of Object.entries(f.instances)) this.#restoreOwner(owner, o);
    if (this.#rds.inRange(f.rdNext ?? -1)) this.#rds.next = f.rdNext ?? this.#rds.min;
    if (this.#labels.inRange(f.labelNext ?? -1)) this.#labels.next = f.labelNext ?? this.#labels.min;
  }

  #restoreOwner(owner: string, o: FileOwner): void {
    const s = this.#state(owner);
    const take = (pool: Pool, n: unknown, what: string): number => {
      if (typeof n !== 'number' || !pool.inRange(n) || pool.held.has(n))
        throw new Error(`bad ${what} for ${owner}`);
      pool.held.set(n, { owner, what });
      return n;
    };
    if (o.rd !== undefined) s.rd = take(this.#rds, o.rd, `${INSTANCE}RD`);
    if (o.vni !== undefined) s.vni = { n: take(this.#labels, o.vni, `${INSTANCE}VNI`), explicit: false };
    if (o.macs !== undefined && !isRecordOfNumbers(o.macs)) throw new Error(`bad macs for ${owner}`);
    for (const [mac, n] of Object.entries(o.macs ?? {})) s.macs.set(mac, take(this.#labels, n, `MAC ${mac}`));
    if (o.endpointRds !== undefined && !isRecordOfNumbers(o.endpointRds))
      throw new Error(`bad endpoints for ${owner}`);
    for (const [ep, n] of Object.entries(o.endpointRds ?? {}))
      s.endpoints.set(ep, take(this.#rds, n, `endpoint ${ep}`));
  }
}
