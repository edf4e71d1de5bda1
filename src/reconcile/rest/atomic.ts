/**
 * Durable file replacement in one directory: write a dot-named temp file (never read by the
 * desired.d scanner), fsync it, rename it over the target, fsync the directory. A failure at any
 * step removes the temp file and leaves the target as it was. The filesystem calls sit behind
 * `StateFs` so tests can make any step fail (ENOSPC, EROFS) without root.
 */
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface StateFs {
  mkdirp(dir: string): Promise<void>;
  /** Creates `path` (must not exist), writes `data`, fsyncs and closes it. */
  writeNew(path: string, data: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** fsync of a directory, so that a rename or an unlink survives a crash. */
  syncDir(dir: string): Promise<void>;
  /** The file's text, or undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
  list(dir: string): Promise<string[]>;
}

const isErrno = (e: unknown, code: string): boolean =>
  typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;

export const nodeStateFs: StateFs = {
  async mkdirp(dir) {
    await mkdir(dir, { recursive: true });
  },
  async writeNew(path, data) {
    const fh = await open(path, 'wx', 0o644);
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  rename,
  unlink,
  async syncDir(dir) {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  async read(path) {
    try {
      return await readFile(path, 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return undefined;
      throw e;
    }
  },
  list: (dir) => readdir(dir),
};

let sequence = 0;

const TEMP_RE = /^\..+\.tmp$/;

/** Replaces `dir/name` with `data`, all or nothing. */
export async function writeAtomic(fs: StateFs, dir: string, name: string, data: string): Promise<void> {
  const tmp = join(dir, `.${name}.${process.pid}.${++sequence}.tmp`);
  try {
    await fs.writeNew(tmp, data);
    await fs.rename(tmp, join(dir, name));
  } catch (e) {
    await fs.unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fs.syncDir(dir);
}

/** Removes `dir/name` (gone already is fine) and makes the removal durable. */
export async function removeDurably(fs: StateFs, dir: string, name: string): Promise<void> {
  try {
    await fs.unlink(join(dir, name));
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
    return;
  }
  await fs.syncDir(dir);
}

/** Deletes temp files a crash left behind; returns their names. */
export async function removeStaleTemps(fs: StateFs, dir: string): Promise<string[]> {
  const stale = (await fs.list(dir)).filter((n) => TEMP_RE.test(n));
  for (const n of stale) await fs.unlink(join(dir, n)).catch(() => undefined);
  return stale;
}
