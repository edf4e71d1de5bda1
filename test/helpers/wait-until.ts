/** Wait for a condition with a deadline (never a bare sleep): polls every `everyMs`. */
export async function until(
  cond: () => boolean,
  timeoutMs = 10000,
  what = 'condition',
  everyMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
