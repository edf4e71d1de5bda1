/**
 * The status loop: recomputes the node state and the PortAttachment statuses periodically and
 * soon after a change (a new desired snapshot, or `trigger()`), at most once per `minIntervalMs`
 * (bursts coalesce into one pass), and hands them to the sinks, which write only what changed:
 * `<state_directory>/node-status.json`, and Kubernetes when a sink for it is given (the
 * BagpipeNodeState, the status of PortAttachments from the "kubernetes" source, and Events on
 * condition transitions).
 */
import type { BagpipeNodeStateStatus, Condition } from '../../api/gen/index.js';
import type { ObjectProblem } from '../../daemon/control.js';
import type { DaemonStatus } from '../../daemon/daemon.js';
import type { DesiredSnapshot } from '../../desired/store.js';
import type { Clock, TimerHandle } from '../../lib/clock.js';
import { errorMessage } from '../../lib/errors.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { KUBE_SOURCE_NAME } from '../kube/names.js';
import type { KubeObject } from '../kube/types.js';
import { attachmentsOf, computeAttachmentStatus, type AttachmentRef } from './attachment-status.js';
import { transitions } from './conditions.js';
import { FileStatusSink } from './file-sink.js';
import { StatusIndex } from './inputs.js';
import type { AttachmentWrite, KubeStatusSink } from './kube-sink.js';
import { computeNodeState } from './node-state.js';

/** What the reporter reads (the daemon, the desired store and the controller). */
/** Passes after a new desired snapshot, one `minIntervalMs` apart. */
const FOLLOW_UPS = 2;

export interface StatusSource {
  status(): DaemonStatus;
  desired(): DesiredSnapshot;
  problems(): readonly ObjectProblem[];
  /** Calls `fn` on each new desired snapshot; returns the unsubscribe function. */
  subscribe?(fn: () => void): () => void;
}

export interface StatusReporterOptions {
  readonly source: StatusSource;
  readonly nodeName: string;
  /** Where `node-status.json` goes; undefined: no file. */
  readonly stateDirectory?: string;
  readonly kube?: KubeStatusSink;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Full recomputation period (default 10 s). */
  readonly periodMs?: number;
  /** Minimum time between two passes (default 1 s). */
  readonly minIntervalMs?: number;
}

export class StatusReporter {
  readonly #o: StatusReporterOptions;
  readonly #log: Logger;
  readonly #file: FileStatusSink | undefined;
  #node: BagpipeNodeStateStatus | undefined;
  /** Attachment key -> the conditions we last computed. */
  #attachments = new Map<string, readonly Condition[]>();
  #timer: { handle: TimerHandle; at: number } | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #followUps = 0;
  #lastPass: number | undefined;
  #unsubscribe: (() => void) | undefined;
  #state: 'new' | 'running' | 'stopped' = 'new';
  passes = 0;

  constructor(o: StatusReporterOptions) {
    this.#o = o;
    this.#log = (o.logger ?? silentLogger).child({ component: 'status' });
    this.#file =
      o.stateDirectory === undefined
        ? undefined
        : new FileStatusSink({ directory: o.stateDirectory, nodeName: o.nodeName, logger: this.#log });
  }

  /** Reads the previous file (transition times survive a restart) and schedules the first pass. */
  async start(): Promise<void> {
    if (this.#state !== 'new') return;
    this.#state = 'running';
    this.#node = await this.#file?.load();
    this.#unsubscribe = this.#o.source.subscribe?.(() => {
      // The controller and the drivers act on a new snapshot after it: look again twice.
      this.#followUps = FOLLOW_UPS;
      this.trigger();
    });
    this.trigger();
  }

  /** Times node-status.json was (re)written. */
  get fileWrites(): number {
    return this.#file?.writes ?? 0;
  }

  /** Something changed: a pass runs as soon as the rate limit allows (coalesced). */
  trigger(): void {
    if (this.#state !== 'running') return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    const earliest = this.#lastPass === undefined ? 0 : this.#lastPass + (this.#o.minIntervalMs ?? 1000);
    this.#schedule(Math.max(earliest, this.#o.clock.now()));
  }

  /** Resolves once no pass runs or is due now (timers aside) and the sinks are idle. */
  async whenIdle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
    await this.#o.kube?.whenIdle();
  }

  /** Stops the loop (waiting for a running pass) and the Kubernetes sink. */
  async stop(): Promise<void> {
    this.#state = 'stopped';
    this.#unsubscribe?.();
    this.#timer?.handle.cancel();
    this.#timer = undefined;
    await this.#running;
    await this.#o.kube?.stop();
  }

  #schedule(at: number): void {
    if (this.#timer !== undefined && this.#timer.at <= at) return;
    this.#timer?.handle.cancel();
    const handle = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#run();
    }, at - this.#o.clock.now());
    this.#timer = { handle, at };
  }

  #run(): void {
    if (this.#state !== 'running') return;
    this.#lastPass = this.#o.clock.now();
    this.#again = false;
    this.#running = this.#pass()
      .catch((e: unknown) => {
        this.#log.error({ err: errorMessage(e) }, 'status pass failed');
      })
      .finally(() => {
        this.#running = undefined;
        if (this.#state !== 'running') return;
        const last = this.#lastPass ?? this.#o.clock.now();
        if (this.#again) this.trigger();
        else if (this.#followUps > 0) {
          this.#followUps--;
          this.trigger();
        } else this.#schedule(last + (this.#o.periodMs ?? 10_000));
      });
  }

  async #pass(): Promise<void> {
    this.passes++;
    const src = this.#o.source;
    const input = { status: src.status(), desired: src.desired(), problems: src.problems() };
    const now = this.#o.clock.wallNow();
    const previous = this.#node;
    const node = computeNodeState(input, previous, now);
    this.#node = node;
    await this.#file?.write(node);
    const kube = this.#o.kube;
    if (kube === undefined) return;
    const nodeEvents = transitions(previous?.conditions, node.conditions ?? []);
    kube.publishNode(node as Record<string, unknown>, nodeEvents);
    // Before the sources synced, a missing VpnInstance may just not be listed yet.
    if (input.desired.synced) kube.publishAttachments(this.#attachmentWrites(new StatusIndex(input), now));
  }

  #attachmentWrites(ix: StatusIndex, now: number): AttachmentWrite[] {
    const refs = attachmentsOf(ix.input.desired, KUBE_SOURCE_NAME);
    const next = new Map<string, readonly Condition[]>();
    const writes = refs.map((ref) => {
      const object = objectOf(ref);
      const previous = this.#attachments.get(ref.key) ?? observedConditions(object);
      const status = computeAttachmentStatus(ix, ref, previous, now);
      const conditions = status.conditions ?? [];
      next.set(ref.key, conditions);
      return {
        key: ref.key,
        object,
        status: status as Record<string, unknown>,
        transitions: transitions(previous, conditions),
      };
    });
    this.#attachments = next;
    return writes;
  }
}

/** The object as the source saw it (with its status), or a bare reference for a rejected one. */
function objectOf(ref: AttachmentRef): KubeObject {
  if (ref.entry !== undefined) return ref.entry.object as KubeObject;
  const [namespace = '', name = ''] = ref.key.split('/');
  return { apiVersion: 'bagpipe.io/v1alpha1', kind: 'PortAttachment', metadata: { namespace, name } };
}

function observedConditions(o: KubeObject): readonly Condition[] | undefined {
  const status = o.status as { conditions?: unknown } | undefined;
  return Array.isArray(status?.conditions) ? (status.conditions as Condition[]) : undefined;
}
