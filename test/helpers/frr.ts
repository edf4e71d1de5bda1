/**
 * FRR 8.4 `bgpd` alone (no zebra, no watchfrr, no daemons file) inside a test namespace, with
 * its config, pid file and vty socket in a temp dir (../shared/interop, "FRR bgpd alone").
 * `vtysh()` talks to that vty socket; `stop()` kills the daemon by PID.
 */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NsDaemon, type Netns } from './netns.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);
const BGPD = '/usr/lib/frr/bgpd';
const VTYSH = '/usr/bin/vtysh';

export const hasFrr = (): boolean => existsSync(BGPD) && existsSync(VTYSH);

export class FrrBgpd extends NsDaemon {
  constructor(ns: Netns, config: string) {
    super(ns, config, 'bgpd-frr-');
  }

  async start(): Promise<void> {
    const conf = join(this.dir, 'bgpd.conf');
    writeFileSync(conf, this.config);
    // -Z: no zebra (next hops count as valid), -S: no user switch, -P 0: no TCP vty.
    this.launch(BGPD, [
      '-f',
      conf,
      '-i',
      join(this.dir, 'bgpd.pid'),
      '--vty_socket',
      this.dir,
      '-P',
      '0',
      '-Z',
      '-S',
      '--log',
      'stdout',
    ]);
    await waitFor(() => this.vtysh('show bgp summary').then(() => true), 15000, {
      what: 'FRR bgpd vty',
      describe: () => this.log.slice(-500),
    });
  }

  async vtysh(...commands: string[]): Promise<string> {
    const args = ['--vty_socket', this.dir, ...commands.flatMap((c) => ['-c', c])];
    const { stdout } = await run(VTYSH, args, { timeout: 15000 });
    return stdout;
  }

  async json<T>(command: string): Promise<T> {
    return JSON.parse(await this.vtysh(command)) as T;
  }
}
