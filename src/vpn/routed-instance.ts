/**
 * The shared half of the IP VPN and E-VPN instances: delegation to the `InstanceCore`, the
 * `rebuild` flag (the spec or the ports changed since the routes were last built), and the
 * intent cache. Subclasses call `changed()` when a dataplane entry really changed (they compare
 * per entry), so an unchanged instance returns the very same intent object and the manager
 * needs no whole-intent comparison (100,000 prefixes cost ~0.3 s to compare canonically).
 */
import type { InstanceIntent } from '../dataplane/intent.js';
import type { InstanceContext, InstanceCore, InstanceStatus, ManagedInstance } from './instance.js';
import type { AttachmentSpec, InstanceSpec, PortProblem } from './types.js';

export abstract class RoutedInstance<I extends InstanceIntent> implements ManagedInstance {
  abstract readonly type: I['type'];
  protected readonly core: InstanceCore;
  #rebuild = true;
  #version = 0;
  #header = '';
  #cache: { readonly version: number; readonly intent: I } | undefined;

  protected constructor(core: InstanceCore, ctx: InstanceContext) {
    this.core = core;
    ctx.onDirty();
  }

  get id(): string {
    return this.core.id;
  }

  update(spec: InstanceSpec): void {
    if (this.core.update(spec).changed) this.#rebuild = true;
  }

  setPorts(attachments: ReadonlyMap<string, AttachmentSpec>): PortProblem[] {
    const { problems, changed } = this.core.setAttachments(attachments);
    if (changed) {
      this.portsChanged();
      this.#rebuild = true;
    }
    return problems;
  }

  importedRouteTargets(): ReadonlySet<string> {
    return this.core.importedRouteTargets();
  }

  close(withdraw: boolean): void {
    this.core.close(withdraw);
  }

  /** Rebuild our routes if the spec or ports changed, then select the dirty groups. */
  sync(): void {
    if (this.#rebuild) {
      this.#rebuild = false;
      this.rebuildRoutes();
      const header = JSON.stringify(this.header());
      if (header !== this.#header) this.changed();
      this.#header = header;
    }
    for (const g of this.core.takeDirty()) this.resolve(g);
  }

  /** The intent; the same object as last time when nothing in it changed. */
  intent(): I {
    this.sync();
    if (this.#cache?.version === this.#version) return this.#cache.intent;
    const intent = this.buildIntent();
    this.#cache = { version: this.#version, intent };
    return intent;
  }

  abstract status(): InstanceStatus;

  /** A dataplane entry changed: the next intent is a new object. */
  protected changed(): void {
    this.#version++;
  }

  /** The accepted ports changed (before the routes are rebuilt). */
  protected portsChanged(): void {
    // nothing by default
  }

  /** What the spec and the ports put in the intent (compared to decide whether it changed). */
  protected abstract header(): unknown;
  protected abstract buildIntent(): I;
  protected abstract rebuildRoutes(): void;
  protected abstract resolve(group: string): void;
}
