/**
 * Request log and injected HTTP failures of the fake API server.
 */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType: string | undefined;
  readonly watch: boolean;
  /** The resource plural, when the path names one. */
  readonly resource: string | undefined;
  readonly subresource: string | undefined;
  /** Filled in when the answer is sent (0 while a watch is open). */
  status: number;
  readonly at: number;
}

export interface RequestFilter {
  readonly method?: string;
  readonly path?: string | RegExp;
  readonly watch?: boolean;
  readonly resource?: string;
  readonly subresource?: string;
}

export function matches(r: LoggedRequest, f: RequestFilter): boolean {
  if (f.method !== undefined && r.method !== f.method) return false;
  if (typeof f.path === 'string' && r.path !== f.path) return false;
  if (f.path instanceof RegExp && !f.path.test(r.path)) return false;
  if (f.watch !== undefined && r.watch !== f.watch) return false;
  if (f.resource !== undefined && r.resource !== f.resource) return false;
  if (f.subresource !== undefined && r.subresource !== f.subresource) return false;
  return true;
}

export interface FailOptions {
  /** Sent as `Retry-After`; 429 answers default to 1 like the real server's max-in-flight. */
  readonly retryAfterSeconds?: number;
  /** Only requests matching this filter fail (default: every API request). */
  readonly filter?: RequestFilter;
}

interface FailRule {
  remaining: number;
  readonly code: number;
  readonly options: FailOptions;
}

/** Answers the next N matching requests with an error status, in the order rules were added. */
export class FailurePlan {
  readonly #rules: FailRule[] = [];

  add(count: number, code: number, options: FailOptions = {}): void {
    this.#rules.push({ remaining: count, code, options });
  }

  clear(): void {
    this.#rules.length = 0;
  }

  get pending(): number {
    return this.#rules.reduce((n, r) => n + r.remaining, 0);
  }

  /** Consumes one failure for this request, if a rule applies. */
  take(r: LoggedRequest): { code: number; retryAfterSeconds: number | undefined } | undefined {
    const rule = this.#rules.find((x) => x.remaining > 0 && matches(r, x.options.filter ?? {}));
    if (rule === undefined) return undefined;
    rule.remaining--;
    const retryAfterSeconds = rule.options.retryAfterSeconds ?? (rule.code === 429 ? 1 : undefined);
    return { code: rule.code, retryAfterSeconds };
  }
}
