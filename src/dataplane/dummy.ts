/**
 * The `dummy` driver (bagpipe's default): programs nothing, keeps the intent in memory and
 * exposes it for the looking glass. A change is an instance added, removed or modified.
 */
import { type Clock, systemClock } from '../lib/clock.js';
import { type Logger, silentLogger } from '../lib/log.js';
import { type ApplyResult, BaseDriver } from './driver.js';
import {
  canonicalIntent,
  type DataplaneIntent,
  type InstanceIntent,
  type InstanceType,
  instancesOf,
} from './intent.js';

export interface DummyDriverOptions {
  readonly type: InstanceType;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export class DummyDriver extends BaseDriver {
  #state = new Map<string, { instance: InstanceIntent; text: string }>();

  constructor(options: DummyDriverOptions) {
    const logger = (options.logger ?? silentLogger).child({ driver: `dummy-${options.type}` });
    super({ name: 'dummy', type: options.type, clock: options.clock ?? systemClock, logger });
  }

  /** What the driver holds (canonical form), for the looking glass. */
  intent(): DataplaneIntent {
    return { instances: [...this.#state.values()].map((s) => s.instance) };
  }

  instance(id: string): InstanceIntent | undefined {
    return this.#state.get(id)?.instance;
  }

  protected pass(desired: DataplaneIntent): Promise<ApplyResult> {
    const wanted = canonicalIntent({ instances: instancesOf(desired, this.type) }).instances;
    const next = new Map(wanted.map((i) => [i.id, { instance: i, text: JSON.stringify(i) }]));
    const ops: string[] = [];
    for (const [id, n] of next) {
      const had = this.#state.get(id);
      if (had === undefined) ops.push(`add ${this.type} ${id}`);
      else if (had.text !== n.text) ops.push(`update ${this.type} ${id}`);
    }
    for (const id of this.#state.keys()) if (!next.has(id)) ops.push(`remove ${this.type} ${id}`);
    this.#state = next;
    return Promise.resolve({ changes: ops.length, errors: [], attempted: ops.length, ops });
  }
}
