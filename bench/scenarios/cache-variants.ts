/** Cache setups of the platform under test, in the order of each round; `bare-node` is the baseline that sends fixed bytes. */
export const cacheVariants = ['bare-node', 'l1', 'l2', 'uncached'] as const;
export type CacheVariant = (typeof cacheVariants)[number];
