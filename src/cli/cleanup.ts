#!/usr/bin/env node
/**
 * `bagpipe-bgp-cleanup [--config-file PATH] [--netns NS] [--dry-run]`: removes every kernel and
 * OVS object the configured dataplane drivers own, and nothing else. The original's tool of the
 * same name called each driver's `reset_state`, which wiped whole tables, every group and every
 * bridge matching a pattern; ours goes by ownership: each driver runs one pass with an empty
 * intent, which by the driver contract means "remove everything we own":
 *   - linux: devices named `bgb-`/`bvx-`/`bvi-` (their fdb entries, neighbours and bridge ports
 *     go with them), routes with protocol 19 in the owned tables, policy rules with protocol 19
 *     at the owned priorities, gateway addresses with metric 19, `proxy_arp` set back to 0;
 *   - ovs: flows with our cookie, groups in our range (tunnel ports stay).
 * `--dry-run` plans the same passes and lists them. Prints one line per operation, prefixed with
 * the driver. Exit status 0 when done, 1 when something could not be observed or removed, 2 on a
 * command-line or configuration mistake.
 */
import { emptyIntent, type DataplaneDriver } from '../dataplane/index.js';
import { errorMessage } from '../lib/errors.js';
import { processIo, runIfMain, type Io } from './main.js';
import { DEFAULT_CONFIG, driverLabel, runDriverTool } from './tool-config.js';

const NAME = 'bagpipe-bgp-cleanup';
const SYNOPSIS = `usage: ${NAME} [--config-file PATH] [--netns NS] [--dry-run]`;

export function usage(): string {
  return `${SYNOPSIS}

Removes every kernel and OVS object the dataplane drivers of the config own, and nothing else:
linux: devices named bgb-/bvx-/bvi- (with their fdb entries, neighbours and bridge ports),
routes and policy rules with protocol 19 in the owned tables and priorities, gateway addresses
with metric 19 (proxy_arp back to 0); ovs: flows with our cookie, groups in our range (tunnel
ports stay). Stop bagpipe-bgp first: it would program its state again at its next pass.
Prints each operation, prefixed with its driver. Exit status 0 when done, 1 when something
could not be observed or removed, 2 on a command-line or configuration mistake.

  --config-file PATH  bagpipe's bgp.conf (default ${DEFAULT_CONFIG}; when it does not exist,
                      the embedded default, whose drivers are dummy: nothing to remove)
  --netns NS          act inside the network namespace NS
  --dry-run           list what would be removed; change nothing
  -h, --help          this help
`;
}

/** Prints the operations of one driver (capped lists say how many more there were). */
function printOps(io: Io, d: DataplaneDriver, ops: readonly string[], total: number): void {
  for (const op of ops) io.out(`${d.name}: ${op}\n`);
  if (total > ops.length) io.out(`${d.name}: ... and ${total - ops.length} more\n`);
}

/**
 * One empty-intent pass per driver (`dryRun`: planned only). Returns the exit status: 1 when a
 * driver could not observe or an operation failed.
 */
export async function cleanup(drivers: readonly DataplaneDriver[], dryRun: boolean, io: Io): Promise<number> {
  let failed = false;
  for (const d of drivers) {
    const label = driverLabel(d);
    if (d.preview === undefined) {
      io.out(`${label}: no live state (${d.name} driver), nothing to remove\n`);
      continue;
    }
    try {
      const r = dryRun
        ? await d.preview(emptyIntent).then((p) => ({ ...p, attempted: p.ops.length }))
        : await d.apply(emptyIntent);
      const total = r.attempted;
      printOps(io, d, r.ops, total);
      for (const e of r.errors) io.err(`${d.name}: error: ${e.entry}: ${e.message}\n`);
      failed ||= r.errors.length > 0;
      const done = dryRun ? 'would be applied (dry run: nothing changed)' : 'applied';
      io.out(total === 0 ? `${label}: nothing owned\n` : `${label}: ${total} operation(s) ${done}\n`);
    } catch (e) {
      io.err(`${label}: error: ${errorMessage(e)}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

export function run(argv: readonly string[], io: Io): Promise<number> {
  const tool = { name: NAME, usage, synopsis: SYNOPSIS };
  return runDriverTool(tool, argv, { 'dry-run': { type: 'boolean' } } as const, io, (values, _config, d) =>
    cleanup([d.evpn, d.ipvpn], values['dry-run'] === true, io),
  );
}

runIfMain(import.meta.url, NAME, () => run(process.argv.slice(2), processIo));
