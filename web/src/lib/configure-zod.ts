import { config } from 'zod/v4/core';

// Zod's fast path compiles validators with new Function when a schema is
// created, which the CSP (script-src without 'unsafe-eval') blocks and reports.
// The setting lives in zod's core, which zod and zod/mini share, so it also
// covers the schemas in lazily loaded chunks. main.tsx imports this module
// first, before any module that defines a schema.
config({ jitless: true });
