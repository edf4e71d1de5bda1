/**
 * The Linux driver shell shared by E-VPN and IP VPN: `apply` = observe (a few JSON dumps run
 * side by side), plan (pure), execute (one batch per tool and phase). The type-specific parts
 * come in as a `LinuxBackend`.
 */
import { type Clock, systemClock } from '../../lib/clock.js';
import { type Logger, silentLogger } from '../../lib/log.js';
import { type ApplyResult, BaseDriver, type DriverPreview } from '../driver.js';
import type { DataplaneIntent, InstanceType } from '../intent.js';
import type { CommandRunner } from '../runner.js';
import { IfindexWatch, type LinkInfo } from './observe.js';
import { execute, opText, type Plan } from './ops.js';

export interface LinuxBackend<O extends { readonly links: readonly LinkInfo[] }> {
  readonly name: string;
  readonly type: InstanceType;
  observe(runner: CommandRunner): Promise<O>;
  plan(desired: DataplaneIntent, observed: O): Plan;
}

export interface LinuxDriverOptions {
  readonly runner: CommandRunner;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export class LinuxDriver<O extends { readonly links: readonly LinkInfo[] }> extends BaseDriver {
  readonly #backend: LinuxBackend<O>;
  readonly #runner: CommandRunner;
  readonly #watch = new IfindexWatch();

  constructor(backend: LinuxBackend<O>, options: LinuxDriverOptions) {
    const logger = (options.logger ?? silentLogger).child({ driver: backend.name });
    super({ name: backend.name, type: backend.type, clock: options.clock ?? systemClock, logger });
    this.#backend = backend;
    this.#runner = options.runner;
  }

  /** Live state this driver owns (and the links it needs to decide). */
  observe(): Promise<O> {
    return this.#backend.observe(this.#runner);
  }

  /** Pure: the operations that would turn `observed` into `desired`. */
  plan(desired: DataplaneIntent, observed: O): Plan {
    return this.#backend.plan(desired, observed);
  }

  /** The ops a pass would run now, in execution order (phase by phase); nothing is applied. */
  async preview(desired: DataplaneIntent): Promise<DriverPreview> {
    const plan = this.plan(desired, await this.observe());
    const ops = ([0, 1, 2] as const).flatMap((phase) => plan.ops.filter((o) => o.phase === phase));
    return { ops: ops.map(opText), errors: plan.errors };
  }

  protected async pass(desired: DataplaneIntent): Promise<ApplyResult> {
    const observed = await this.observe();
    if (this.#watch.changed(observed.links)) this.#runner.recycle();
    const plan = this.plan(desired, observed);
    if (plan.ops.length === 0) return { changes: 0, errors: plan.errors, attempted: 0, ops: [] };
    return execute(this.#runner, plan);
  }
}
