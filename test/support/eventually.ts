/**
 * The one polling helper of the tests: waits until `condition` holds, asking again every
 * `intervalMs`, and fails naming `what` (and the diagnostics, if given) after `timeoutMs`.
 * The timeout is a bound for a loaded machine, never a measurement: no test asserts on how
 * long it took.
 */
export interface EventuallyOptions {
  /** Give up after this long (default 60 s: the machine is shared). */
  timeoutMs?: number;
  /** Ask again after this long (default 25 ms). */
  intervalMs?: number;
  /** More to say when it gives up (state, logs). */
  diagnostics?: () => string;
}

export async function eventually(
  what: string,
  condition: () => boolean | Promise<boolean>,
  options: EventuallyOptions | number = {},
): Promise<void> {
  const {
    timeoutMs = 60_000,
    intervalMs = 25,
    diagnostics,
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      const more = diagnostics?.();
      throw new Error(`timed out waiting until ${what}${more ? `\n${more}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
