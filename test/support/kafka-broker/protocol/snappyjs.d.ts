// snappyjs ships no types: the one function the test broker uses.
declare module 'snappyjs' {
  /** Raw (unframed) Snappy in, the bytes out. */
  export function uncompress(compressed: Uint8Array): Uint8Array;
}
