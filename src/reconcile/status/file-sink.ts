/**
 * The node's status as a file: `<state_directory>/node-status.json`, a BagpipeNodeState object
 * (the same document the Kubernetes API holds), replaced atomically (temp file, fsync, rename)
 * and only when its content changed.
 */
import { join } from 'node:path';
import type { BagpipeNodeState, BagpipeNodeStateStatus } from '../../api/gen/index.js';
import { errorMessage } from '../../lib/errors.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { nodeStateFs, writeAtomic, type StateFs } from '../rest/atomic.js';

export const NODE_STATUS_FILE = 'node-status.json';

export interface FileStatusSinkOptions {
  readonly directory: string;
  readonly nodeName: string;
  readonly fs?: StateFs;
  readonly logger?: Logger;
}

export class FileStatusSink {
  readonly #o: FileStatusSinkOptions;
  readonly #fs: StateFs;
  readonly #log: Logger;
  /** The text the file holds, as far as we know. */
  #content: string | undefined;
  writes = 0;

  constructor(o: FileStatusSinkOptions) {
    this.#o = o;
    this.#fs = o.fs ?? nodeStateFs;
    this.#log = (o.logger ?? silentLogger).child({ file: NODE_STATUS_FILE });
  }

  /** The status a previous run left (for its conditions' transition times), if readable. */
  async load(): Promise<BagpipeNodeStateStatus | undefined> {
    try {
      const text = await this.#fs.read(join(this.#o.directory, NODE_STATUS_FILE));
      if (text === undefined) return undefined;
      this.#content = text;
      const doc = JSON.parse(text) as Partial<BagpipeNodeState> | null;
      return typeof doc?.status === 'object' ? doc.status : undefined;
    } catch (e) {
      this.#log.warn({ err: errorMessage(e) }, 'previous node status unreadable; ignored');
      return undefined;
    }
  }

  /** Writes the document if its text changed; true when written. Never throws. */
  async write(status: BagpipeNodeStateStatus): Promise<boolean> {
    const doc: BagpipeNodeState = {
      apiVersion: 'bagpipe.io/v1alpha1',
      kind: 'BagpipeNodeState',
      metadata: { name: this.#o.nodeName },
      status,
    };
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    if (text === this.#content) return false;
    try {
      await this.#fs.mkdirp(this.#o.directory);
      await writeAtomic(this.#fs, this.#o.directory, NODE_STATUS_FILE, text);
    } catch (e) {
      this.#log.warn({ err: errorMessage(e) }, 'node status not written');
      return false;
    }
    this.#content = text;
    this.writes++;
    return true;
  }
}
