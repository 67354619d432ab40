/** Servers the http-cached-payload scenario loads, in the order of each round: the baseline first. */
export const serverVariants = [
  'bare-node',
  'fastify-serialized',
  'fastify',
  'fastify-delivery',
] as const;
export type ServerVariant = (typeof serverVariants)[number];
