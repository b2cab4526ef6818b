// Seeded toy datasets of three classes, the recipes of linclass.data.toy (blobs, circles, spiral)
// drawn with the page's own random generator, and random parameters for a restart.

export const N_CLASSES = 3;

// mulberry32: a small seeded generator of uniform numbers in [0, 1).
export function rng(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // Box-Muller: a standard normal from two uniforms.
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

const labels = (n) => Array.from({ length: n }, (_, i) => i % N_CLASSES);

// Three Gaussian blobs (standard deviation `spread`) on an equilateral triangle of circumradius 2.
export function blobs(n, seed, spread = 0.6) {
  const r = rng(seed);
  return labels(n).map((label) => {
    const angle = Math.PI / 2 + (2 * Math.PI * label) / N_CLASSES;
    return { x: 2 * Math.cos(angle) + spread * r.normal(), y: 2 * Math.sin(angle) + spread * r.normal(), label };
  });
}

// Three concentric rings of radius 1, 2 and 3 with radial noise: separable only after the polar map.
export function circles(n, seed, noise = 0.1) {
  const r = rng(seed);
  return labels(n).map((label) => {
    const radius = label + 1 + noise * r.normal();
    const theta = 2 * Math.PI * r.uniform();
    return { x: radius * Math.cos(theta), y: radius * Math.sin(theta), label };
  });
}

// Three interleaved spiral arms (CS231n's spiral), arm k at angle 4k + 4r, scaled by `scale`.
export function spiral(n, seed, noise = 0.2, scale = 3) {
  const r = rng(seed);
  const perClass = Math.ceil(n / N_CLASSES);
  return labels(n).map((label, i) => {
    const radius = perClass > 1 ? Math.floor(i / N_CLASSES) / (perClass - 1) : 0;
    const t = 4 * label + 4 * radius + noise * r.normal();
    return { x: scale * radius * Math.sin(t), y: scale * radius * Math.cos(t), label };
  });
}

// The page's datasets (their labels are i18n.mjs's dataset_<name>).
export const DATASETS = {
  blobs: { make: (seed) => blobs(15, seed) },
  circles: { make: (seed) => circles(45, seed) },
  spiral: { make: (seed) => spiral(45, seed) },
  own: { make: () => [] },
};

// Random parameters for a restart: W (C x D) and b (C) with standard normal entries.
export function randomParams(seed, nFeatures = 2) {
  const r = rng(seed);
  const W = Array.from({ length: N_CLASSES }, () => Array.from({ length: nFeatures }, () => r.normal()));
  const b = Array.from({ length: N_CLASSES }, () => r.normal());
  return { W, b };
}
