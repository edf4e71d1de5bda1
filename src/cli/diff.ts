/**
 * `bagpipe diff [--config-file PATH] [--desired-dir DIR] [--netns NS]`: what the daemon would
 * change in this node's dataplane, applying nothing. It reads desired.d (and its `bagpipe-rest`
 * sub-directory) once with the daemon's scanner and validators, computes the intents with the
 * daemon's VPN manager and this node's allocations (a private copy of `allocations.json`, so
 * VNIs match the running daemon's and its file is never written), then has each configured
 * driver observe live state and plan the pass it would run (`DataplaneDriver.preview`).
 *
 * No BGP session is opened: the intents hold what desired state alone gives (local ports,
 * gateways, VNIs), not what peers advertise (remote MACs, flood lists, remote prefixes), which
 * therefore shows as removals; the output says so. Kubernetes custom resources are not read.
 *
 * Output: operations on stdout, one per line as `<driver>: <op>`, after a `#` note line; nothing
 * when live state matches. Problems (invalid files, objects that cannot be realised, entries a
 * driver would refuse, a driver that cannot observe) on stderr; the rest is still diffed.
 * Exit status 0 when nothing would change, 1 when something would, 2 on any problem.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../daemon/config.js';
import { driverEncapsulations } from '../daemon/daemon.js';
import type { DataplaneDriver, DataplaneIntent, DriverPreview, InstanceType } from '../dataplane/index.js';
import { emptyIntent } from '../dataplane/index.js';
import { DirectoryScanner } from '../desired/file-scan.js';
import {
  createValidator,
  DesiredStore,
  FILE_SOURCE_DEFAULTS,
  type DesiredSnapshot,
} from '../desired/index.js';
import { errorMessage } from '../lib/errors.js';
import { Rib } from '../rib/rib.js';
import { Allocator, VpnManager, type Problem } from '../vpn/index.js';
import type { Io } from './main.js';
import { DEFAULT_CONFIG, driverLabel, nodeNameOf, runDriverTool } from './tool-config.js';
import { describeReport } from './validate.js';

const NAME = 'bagpipe diff';
export const DIFF_SYNOPSIS = 'usage: bagpipe diff [--config-file PATH] [--desired-dir DIR] [--netns NS]';

export const NO_BGP_NOTE =
  '# computed without BGP routes (local ports and gateways only): entries learnt from peers ' +
  '(remote MACs, flood lists, remote prefixes) show as removals';

export function usage(): string {
  return `${DIFF_SYNOPSIS}

Prints what bagpipe-bgp would change in this node's dataplane, applying nothing: desired.d is
read once with the daemon's validators, the intents are computed as the daemon does but without
BGP routes (local ports and gateways only; entries learnt from peers show as removals), and each
configured driver observes live state and plans its pass. One line per operation,
"<driver>: <operation>"; nothing when live state matches. Problems go to stderr, and the rest is
still diffed. Exit status 0 when nothing would change, 1 when something would, 2 on any problem
(invalid desired file, object that cannot be realised, refused entry, unreadable state).

  --config-file PATH  bagpipe's bgp.conf (default ${DEFAULT_CONFIG}, else the embedded default)
  --desired-dir DIR   the desired-state directory (default: [DESIRED] directory of the config);
                      its bagpipe-rest/ sub-directory (the REST API's objects) is read too
  --netns NS          observe inside the network namespace NS
  -h, --help          this help
`;
}

export interface LoadedDesired {
  readonly snapshot: DesiredSnapshot;
  /** One line per problem: unreadable directory, invalid file or object. */
  readonly problems: readonly string[];
}

/** desired.d and its `bagpipe-rest` sub-directory, read once as the daemon's two file sources do. */
export async function loadDesired(directory: string, nodeName: string): Promise<LoadedDesired> {
  const store = new DesiredStore();
  const validator = createValidator({ strict: true });
  const problems: string[] = [];
  const dirs = new Map([
    [FILE_SOURCE_DEFAULTS.name, directory],
    ['rest', join(directory, 'bagpipe-rest')],
  ]);
  for (const [source, dir] of dirs) {
    const writer = store.register(source);
    try {
      const r = await new DirectoryScanner({ directory: dir, source, validator, nodeName }).scan();
      writer.replace(r.entries, r.invalid);
    } catch (e) {
      const missing = (e as { code?: unknown }).code === 'ENOENT';
      // The REST API creates its directory when it first writes.
      if (source !== 'rest' || !missing)
        problems.push(`${dir}: cannot read the directory: ${errorMessage(e)}`);
      writer.markSynced();
    }
  }
  const snapshot = store.snapshot();
  for (const r of snapshot.invalid)
    problems.push(...describeReport(join(dirs.get(r.source) ?? '', r.origin), r));
  return { snapshot, problems };
}

export interface ComputedIntents {
  readonly intents: ReadonlyMap<InstanceType, DataplaneIntent>;
  /** Objects the VPN manager could not realise, as the daemon would report them. */
  readonly problems: readonly Problem[];
}

/**
 * The intents the daemon's VPN manager hands each driver for `snapshot`, with no BGP route in
 * the RIB. Allocations come from a private copy of the daemon's `allocations.json`.
 */
export function desiredIntents(
  config: Config,
  snapshot: DesiredSnapshot,
  drivers: Readonly<Partial<Record<InstanceType, Pick<DataplaneDriver, 'name' | 'type'>>>>,
  nodeName: string,
): ComputedIntents {
  const tmp = mkdtempSync(join(tmpdir(), 'bagpipe-diff-'));
  try {
    const live = join(config.desired.stateDirectory, 'allocations.json');
    const path = join(tmp, 'allocations.json');
    if (existsSync(live)) copyFileSync(live, path);
    const intents = new Map<InstanceType, DataplaneIntent>();
    const vpn = new VpnManager({
      rib: new Rib(),
      allocator: new Allocator({ localAddress: config.bgp.localAddress, path }),
      localAddress: config.bgp.localAddress,
      dataplaneAddress: { ipvpn: config.ipvpn.localAddress, evpn: config.evpn.localAddress },
      encapsulations: Object.fromEntries(
        Object.values(drivers).map((d) => [d.type, driverEncapsulations(d)] as const),
      ),
      nodeName,
      onIntent: (type, intent) => intents.set(type, intent),
      schedule: () => undefined,
    });
    const problems = vpn.setDesired(
      new Map([...snapshot.vpnInstances].map(([k, e]) => [k, e.spec])),
      new Map([...snapshot.portAttachments].map(([k, e]) => [k, e.spec])),
    );
    vpn.flush();
    vpn.close();
    return { intents, problems };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

interface DriverDiff {
  readonly driver: DataplaneDriver;
  readonly preview: DriverPreview | undefined;
  readonly error: string | undefined;
}

async function previewDriver(driver: DataplaneDriver, intent: DataplaneIntent): Promise<DriverDiff> {
  if (driver.preview === undefined) return { driver, preview: undefined, error: undefined };
  try {
    return { driver, preview: await driver.preview(intent), error: undefined };
  } catch (e) {
    return { driver, preview: undefined, error: errorMessage(e) };
  }
}

/** Prints the diff of every driver; returns the exit status. */
export async function diff(
  config: Config,
  drivers: readonly DataplaneDriver[],
  desiredDir: string,
  io: Io,
): Promise<number> {
  const nodeName = nodeNameOf(config);
  const problems: string[] = [];
  if (config.desired.kubernetes) io.err(`${NAME}: note: Kubernetes custom resources are not read\n`);
  const loaded = await loadDesired(desiredDir, nodeName);
  problems.push(...loaded.problems);
  const byType = Object.fromEntries(drivers.map((d) => [d.type, d] as const));
  let computed: ComputedIntents | undefined;
  try {
    computed = desiredIntents(config, loaded.snapshot, byType, nodeName);
    for (const p of computed.problems) problems.push(`${p.kind} ${p.name}: ${p.message} (${p.code})`);
  } catch (e) {
    problems.push(`cannot compute the intents: ${errorMessage(e)}`);
  }
  const diffs: DriverDiff[] = [];
  if (computed !== undefined) {
    for (const d of drivers) diffs.push(await previewDriver(d, computed.intents.get(d.type) ?? emptyIntent));
  }
  for (const p of problems) io.err(`${p}\n`);
  let changes = 0;
  let refused = 0;
  for (const { driver, preview, error } of diffs) {
    const label = driverLabel(driver);
    if (error !== undefined) io.err(`${label}: cannot observe: ${error}\n`);
    else if (preview === undefined) io.err(`${label}: no live state to compare (${driver.name} driver)\n`);
    for (const e of preview?.errors ?? []) io.err(`${driver.name}: refused: ${e.entry}: ${e.message}\n`);
    refused += (error === undefined ? 0 : 1) + (preview?.errors.length ?? 0);
    const ops = preview?.ops ?? [];
    if (ops.length > 0 && changes === 0) io.out(`${NO_BGP_NOTE}\n`);
    for (const op of ops) io.out(`${driver.name}: ${op}\n`);
    changes += ops.length;
  }
  return problems.length + refused > 0 ? 2 : changes > 0 ? 1 : 0;
}

export function run(argv: readonly string[], io: Io): Promise<number> {
  const tool = { name: NAME, usage, synopsis: DIFF_SYNOPSIS };
  const extra = { 'desired-dir': { type: 'string' } } as const;
  return runDriverTool(tool, argv, extra, io, (values, config, d) =>
    diff(config, [d.evpn, d.ipvpn], values['desired-dir'] ?? config.desired.directory, io),
  );
}
