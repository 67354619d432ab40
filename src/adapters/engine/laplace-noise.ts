import { randomBytes } from 'node:crypto';

/** Returns a function that draws uniform numbers strictly between 0 and 1. */
type UniformSource = () => number;

const TWO_POW_32 = 2 ** 32;

/**
 * Creates a sampler of Laplace noise with scale b (variance 2b²). With a
 * seed the draws are reproducible, which tests need. Without one they
 * come from the operating system's cryptographic generator, so a result
 * cannot be denoised by guessing the seed.
 */
export function createLaplaceNoise(scale: number, seed: number | null): () => number {
  const uniform = seed === null ? cryptoUniform() : seededUniform(seed);
  return () => {
    // Inverse of the Laplace CDF; u is never 0 or 1, so the logarithm stays finite.
    const u = uniform();
    return u < 0.5 ? scale * Math.log(2 * u) : -scale * Math.log(2 - 2 * u);
  };
}

function cryptoUniform(): UniformSource {
  return () => (randomBytes(4).readUInt32LE(0) + 0.5) / TWO_POW_32;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), seeded
 * through splitmix32 so that nearby seeds give unrelated streams.
 */
function seededUniform(seed: number): UniformSource {
  const mix = splitmix32(seed);
  let a = mix();
  let b = mix();
  let c = mix();
  let counter = 1;

  return () => {
    const t = (((a + b) | 0) + counter) | 0;
    counter = (counter + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return ((t >>> 0) + 0.5) / TWO_POW_32;
  };
}

function splitmix32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) | 0;
  };
}
