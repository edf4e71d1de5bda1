/**
 * BIRD 2.0 in the foreground inside a test namespace: `bird -f -c conf -s sock -P pid` with its
 * files in a temp dir (../shared/interop, "BIRD 2.0.12"). `birdc()` talks to that control
 * socket; `stop()` kills the daemon by PID.
 */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NsDaemon, type Netns } from './netns.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);
const BIRD = '/usr/sbin/bird';
const BIRDC = '/usr/sbin/birdc';

export const hasBird = (): boolean => existsSync(BIRD) && existsSync(BIRDC);

export class Bird extends NsDaemon {
  constructor(ns: Netns, config: string) {
    super(ns, config, 'bgpd-bird-');
  }

  get socket(): string {
    return join(this.dir, 'bird.ctl');
  }

  async start(): Promise<void> {
    const conf = join(this.dir, 'bird.conf');
    writeFileSync(conf, this.config);
    this.launch(BIRD, ['-f', '-c', conf, '-s', this.socket, '-P', join(this.dir, 'bird.pid')]);
    await waitFor(() => this.birdc('show status').then((o) => o.includes('Daemon is up')), 10000, {
      what: 'BIRD control socket',
      describe: () => this.log.slice(-500),
    });
  }

  /** One birdc command (its words as separate arguments), output as text. */
  async birdc(command: string): Promise<string> {
    const { stdout } = await run(BIRDC, ['-s', this.socket, ...command.split(' ')], { timeout: 10000 });
    return stdout;
  }
}
