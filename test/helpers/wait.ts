/**
 * Waiting without sleeping: poll a condition until it holds or a deadline passes. The condition
 * may be sync or async and returns the value to hand back (anything but undefined, null or
 * false counts as "holds"). On timeout the error says what was awaited and, when given, the
 * last state seen, so a failing test explains itself.
 */
export interface WaitOptions {
  /** Poll interval in ms (default 5). */
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message. */
  readonly what?: string;
  /** Called on timeout; its result is appended to the message (e.g. the current state). */
  readonly describe?: () => unknown;
}

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

export async function waitFor<T>(
  cond: () => T | Promise<T>,
  timeoutMs = 5000,
  options: WaitOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = performance.now() + timeoutMs;
  const interval = options.intervalMs ?? 5;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v !== undefined && v !== null && v !== false) return v as Exclude<T, undefined | null | false>;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (performance.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  const parts = [`waitFor timed out after ${timeoutMs} ms`];
  if (options.what !== undefined) parts.push(`waiting for ${options.what}`);
  if (lastError !== undefined)
    parts.push(`last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}`);
  if (options.describe) parts.push(`state: ${JSON.stringify(options.describe())}`);
  throw new WaitTimeoutError(parts.join('; '), { cause: lastError });
}
