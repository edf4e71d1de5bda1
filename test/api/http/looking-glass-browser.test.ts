/**
 * The HTML looking glass in a real browser: headless Chromium takes a screenshot of the root
 * page served over HTTP, and the PNG must have the window's size, be far from blank, and show
 * the SVG peer colours. Skipped when no Chromium binary is installed (Debian `chromium`).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { STATE_COLOURS } from '../../../src/api/http/looking-glass-svg.js';
import { colours, readPng } from '../../helpers/png.js';
import { buildFixture, serve, type Fixture, type Served } from './looking-glass-fixture.js';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** $CHROMIUM, or the first Chromium on PATH. */
function findChromium(): string | undefined {
  const env = process.env['CHROMIUM'];
  if (env !== undefined && env !== '') return env;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    for (const name of NAMES) {
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

describe('api/http/looking-glass: headless Chromium screenshot', function () {
  this.timeout(90000);
  const chromium = findChromium();
  const running = new Set<ChildProcess>();
  let dir = '';
  let f: Fixture | undefined;
  let s: Served | undefined;

  before(async function () {
    if (chromium === undefined) {
      this.skip(); // reason: no chromium binary (apt-get install chromium, or set $CHROMIUM)
    }
    dir = mkdtempSync(join(tmpdir(), 'bagpipe-lg-'));
    f = await buildFixture();
    s = await serve(f.source);
  });

  after(async () => {
    // Chromium runs in its own process group: kill the group by its leader's PID.
    for (const p of running) if (p.pid !== undefined && p.exitCode === null) process.kill(-p.pid, 'SIGKILL');
    await s?.close();
    await f?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  /** Screenshot `url` at 1200x900; resolves with the PNG once Chromium has exited. */
  async function screenshot(url: string, name: string): Promise<Buffer> {
    const file = join(dir, `${name}.png`);
    const args = [
      '--headless',
      '--disable-gpu',
      '--no-sandbox',
      '--hide-scrollbars',
      '--no-first-run',
      `--user-data-dir=${join(dir, `profile-${name}`)}`,
      `--screenshot=${file}`,
      '--window-size=1200,900',
      url,
    ];
    const proc = spawn(chromium ?? 'chromium', args, { stdio: 'ignore', detached: true });
    running.add(proc);
    const [code] = (await once(proc, 'exit')) as [number | null];
    running.delete(proc);
    assert.ok(existsSync(file), `no screenshot (chromium exit ${String(code)})`);
    return readFileSync(file);
  }

  it('renders the root page with its pictures', async () => {
    const page = await screenshot(`${s?.base ?? ''}/looking-glass`, 'lg');
    const blank = await screenshot('about:blank', 'blank');
    const info = readPng(page);
    assert.deepEqual([info.width, info.height], [1200, 900]);
    const seen = colours(page);
    const empty = colours(blank);
    assert.ok(empty.size <= 2, `blank page has ${String(empty.size)} colours`);
    assert.ok(seen.size > 100, `only ${String(seen.size)} colours`);
    assert.ok(page.length > blank.length * 4, 'far larger than a blank page');
    for (const state of ['Established', 'Active', 'Idle', 'OpenSent']) {
      const hex = (STATE_COLOURS[state] ?? '').slice(1);
      assert.ok(seen.has(hex) || seen.has(`${hex}ff`), `${state} colour ${hex} drawn`);
    }
  });
});
