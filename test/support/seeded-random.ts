/**
 * A seeded random source for tests and load scripts that must replay a run exactly (which calls
 * fail, which changes a model run makes, each load connection's choices). mulberry32: five lines
 * of well-known arithmetic, kept by hand because the generators of fast-check's pure-rand differ
 * and switching would change every recorded seed's sequence.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
