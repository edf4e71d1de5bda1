/**
 * A lint of the Dockerfile and .dockerignore (no Docker engine here, so nothing is built):
 * pinned multi-stage bases, the build/deps/runtime split, the runtime packages, the entry point
 * matching package.json "bin", and a build context that holds what the COPYs need.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { MANIFESTS, ROOT, at, loadDocs, str } from './lib.js';

interface Instruction {
  readonly cmd: string;
  readonly args: string;
  readonly line: number;
  readonly stage: number;
}

const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
  engines: { node: string };
};

/** Instructions with continuation lines joined and comments dropped; `stage` is the FROM index. */
function parse(source: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = source.split('\n');
  let stage = -1;
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let l = lines[i] ?? '';
    if (/^\s*(#|$)/.test(l)) continue;
    while (l.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = lines[i] ?? '';
      if (/^\s*#/.test(next)) continue;
      l = `${l.slice(0, -1)} ${next.trim()}`;
    }
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(l);
    assert.ok(m, `Dockerfile:${start + 1}: not an instruction`);
    const cmd = (m[1] ?? '').toUpperCase();
    if (cmd === 'FROM') stage++;
    out.push({ cmd, args: (m[2] ?? '').trim(), line: start + 1, stage });
  }
  return out;
}

const ins = parse(text);
const froms = ins.filter((i) => i.cmd === 'FROM');
const stageName = (n: number): string => /\bAS\s+(\S+)$/i.exec(froms[n]?.args ?? '')?.[1] ?? String(n);
const inStage = (name: string): Instruction[] => ins.filter((i) => stageName(i.stage) === name);
const last = froms.length - 1;
const final = ins.filter((i) => i.stage === last);
const runs = (stage: readonly Instruction[]): string =>
  stage
    .filter((i) => i.cmd === 'RUN')
    .map((i) => i.args)
    .join('\n');

/** Whether .dockerignore lets `path` into the build context (last matching pattern wins). */
function inContext(path: string, patterns: readonly string[]): boolean {
  const toRe = (p: string): RegExp =>
    new RegExp(
      `^${p
        .replace(/\/+$/, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '%ANY%')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replace(/%ANY%/g, '(.*/)?')}$`,
    );
  const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let included = true;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const re = toRe(negated ? raw.slice(1) : raw);
    if (prefixes.some((p) => re.test(p))) included = negated;
  }
  return included;
}

/** Lowest major of each `||` alternative of an engines range, with `^M` or `>=M.m` forms. */
function engineMajors(range: string): { major: number; orAbove: boolean }[] {
  return range.split('||').map((alt) => {
    const m = /(\^|>=)\s*([0-9]+)/.exec(alt);
    assert.ok(m, `engines alternative ${alt}`);
    return { major: Number(m[2]), orAbove: m[1] === '>=' };
  });
}

describe('packaging: Dockerfile', () => {
  it('is multi-stage, each FROM pinned to a Node LTS major, never latest, same base everywhere', () => {
    assert.ok(froms.length >= 2, 'multi-stage');
    const bases = new Set<string>();
    for (const f of froms) {
      const image = f.args.split(/\s+/)[0] ?? '';
      assert.doesNotMatch(image, /\$/, `Dockerfile:${f.line}: no ARG in FROM (the lint could not check it)`);
      const m = /^node:([0-9]+)-(bookworm|trixie)-slim(@sha256:[0-9a-f]{64})?$/.exec(image);
      assert.ok(m, `Dockerfile:${f.line}: ${image} is node:<major>-<debian>-slim`);
      assert.doesNotMatch(image, /latest/);
      const major = Number(m[1]);
      assert.equal(major % 2, 0, 'an LTS (even) Node major');
      const ok = engineMajors(pkg.engines.node).some(
        (e) => major === e.major || (e.orAbove && major > e.major),
      );
      assert.ok(ok, `node ${major} satisfies engines ${pkg.engines.node}`);
      bases.add(image);
    }
    // node_modules move between stages: one base image keeps the Node ABI and libc identical
    assert.equal(bases.size, 1);
    const names = froms.map((_, n) => stageName(n));
    assert.equal(new Set(names).size, names.length, 'stage names are unique');
    for (const c of ins.filter((i) => i.cmd === 'COPY' && i.args.includes('--from='))) {
      const from = /--from=(\S+)/.exec(c.args)?.[1] ?? '';
      assert.ok(
        names.slice(0, c.stage).includes(from),
        `Dockerfile:${c.line}: --from=${from} is an earlier stage`,
      );
    }
  });

  it('builds with npm ci && npm run build, and ships only production dependencies', () => {
    assert.match(runs(inStage('build')), /npm ci\b/);
    assert.match(runs(inStage('build')), /npm run build\b/);
    assert.match(runs(inStage('deps')), /npm ci --omit=dev/);
    const copies = final.filter((i) => i.cmd === 'COPY').map((i) => i.args);
    assert.ok(
      copies.some((c) => /^--from=deps \S+\/node_modules /.test(c)),
      'node_modules from the deps stage',
    );
    assert.ok(
      copies.some((c) => /^--from=build \S+\/dist /.test(c)),
      'dist from the build stage',
    );
    assert.ok(
      !copies.some((c) => /^--from=build \S*node_modules/.test(c)),
      'no dev node_modules in the runtime',
    );
    assert.doesNotMatch(runs(final), /npm (ci|install)/);
  });

  it('compiles the native TCP-MD5 addon in the build stage and ships it where the loader looks', () => {
    const build = inStage('build');
    assert.match(pkg.scripts['install'] ?? '', /node-gyp rebuild/);
    assert.match(runs(build), /apt-get install -y --no-install-recommends python3 make g\+\+/);
    assert.ok(
      build.some((i) => i.cmd === 'ENV' && /npm_config_nodedir=\/usr\/local/.test(i.args)),
      'image headers',
    );
    const ci = build.findIndex((i) => i.cmd === 'RUN' && /npm ci\b/.test(i.args));
    const copied = build
      .slice(0, ci)
      .filter((i) => i.cmd === 'COPY')
      .map((i) => i.args);
    assert.ok(
      copied.some((c) => /\bbinding\.gyp\b/.test(c)) && copied.some((c) => /^native /.test(c)),
      'before npm ci',
    );
    // the deps stage has no compiler: it must not run the root install script
    assert.match(runs(inStage('deps')), /npm ci --omit=dev --ignore-scripts/);
    const workdir = final.filter((i) => i.cmd === 'WORKDIR').at(-1)?.args ?? '';
    const copy = final.find(
      (i) => i.cmd === 'COPY' && i.args.startsWith('--from=build') && i.args.includes('tcp_md5.node'),
    );
    assert.ok(copy);
    const dest = posix.resolve(workdir, copy.args.split(/\s+/).at(-1) ?? '');
    const loader = readFileSync(join(ROOT, 'src', 'bgp', 'session', 'socket-options.ts'), 'utf8');
    const candidates = [...loader.matchAll(/'((?:\.\.\/)+build\/Release\/tcp_md5\.node)'/g)].map(
      (m) => m[1] ?? '',
    );
    const from = posix.join(workdir, 'dist', 'src', 'bgp', 'session');
    assert.ok(
      candidates.some((c) => posix.resolve(from, c) === dest),
      `${dest} is one of ${candidates.join(', ')} from ${from}`,
    );
  });

  it('installs the dataplane tools (ip, bridge, sysctl, OVS clients) without recommends', () => {
    const install = final.find((i) => i.cmd === 'RUN' && i.args.includes('apt-get install'));
    assert.ok(install);
    assert.match(install.args, /--no-install-recommends/);
    for (const p of ['iproute2', 'procps', 'openvswitch-common', 'openvswitch-switch'])
      assert.match(install.args, new RegExp(`\\b${p}\\b`), p);
    assert.match(install.args, /rm -rf \/var\/lib\/apt\/lists/);
  });

  it('runs bagpipe-bgp (package.json bin) as the entry point, as root (documented: NET_ADMIN)', () => {
    const bin = pkg.bin['bagpipe-bgp'];
    assert.ok(bin);
    assert.match(
      runs(final),
      new RegExp(`ln -s \\S+/${bin.replace(/[.]/g, '\\.')} /usr/local/bin/bagpipe-bgp`),
    );
    assert.match(runs(final), new RegExp(`chmod 0755 ${bin.replace(/[.]/g, '\\.')}`));
    assert.equal(final.find((i) => i.cmd === 'ENTRYPOINT')?.args, '["bagpipe-bgp"]');
    // the node image's CMD ["node"] would become an argument of bagpipe-bgp
    assert.equal(final.find((i) => i.cmd === 'CMD')?.args, '[]');
    const user = final.filter((i) => i.cmd === 'USER').map((i) => i.args);
    assert.ok(user.every((u) => u === 'root' || u === '0'));
    assert.match(text, /root[\s\S]{0,200}NET_ADMIN/, 'why root is documented');
  });

  it('has a non-empty HEALTHCHECK on /healthz and exposes the API port of the manifests', () => {
    const hc = final.find((i) => i.cmd === 'HEALTHCHECK');
    assert.ok(hc);
    assert.doesNotMatch(hc.args, /^NONE$/i);
    assert.match(hc.args, /CMD \[.+\]/);
    assert.match(
      final.find((i) => i.cmd === 'ENV')?.args ?? '',
      /BAGPIPE_HEALTHCHECK_URL=http:\/\/127\.0\.0\.1:8082\/healthz/,
    );
    const conf = str(at(loadDocs(join(MANIFESTS, 'configmap.yaml'))[0]?.obj, 'data', 'bgp.conf'));
    const port = /^port = ([0-9]+)$/m.exec(conf)?.[1];
    const exposed = final.filter((i) => i.cmd === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    assert.ok(port !== undefined && exposed.includes(port), `EXPOSE ${port ?? '?'}`);
    assert.ok(exposed.includes('179'));
  });

  it('has a .dockerignore that lets in exactly what the COPYs and the build need', () => {
    const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    const sources = ins
      .filter((i) => i.cmd === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      include: string[];
    };
    for (const s of new Set([
      ...sources,
      ...tsconfig.include,
      'src/cli/bagpipe-bgp.ts',
      'native/tcp_md5.c',
    ])) {
      assert.ok(existsSync(join(ROOT, s)), `${s} exists`);
      assert.ok(inContext(s, patterns), `${s} is in the build context`);
      assert.ok(
        sources.some((c) => s === c || s.startsWith(`${c}/`)),
        `${s} is copied`,
      );
    }
    for (const s of [
      'node_modules/ajv/package.json',
      'dist/src/cli/bagpipe-bgp.js',
      'src/x/node_modules/y',
      '.git/HEAD',
      'test/lib/reader.test.ts',
    ])
      assert.ok(!inContext(s, patterns), `${s} is not in the build context`);
  });
});
