import { buildWebApp } from '../../scripts/ensure-web-build.ts';
import type { BenchScenario } from '../lib/types.ts';
import { measureInitialRoute } from './web-bundle-budget.ts';

const BYTES_PER_KB = 1000;
const BUDGET_BROTLI_KB = 60;

/** Builds the web app and sums the brotli and gzip sizes of the initial route's JS and CSS. */
export const webBundleSizeScenario: BenchScenario = {
  name: 'web-bundle-size',
  description: `Compressed size of the JS and CSS the web app loads before its first route (the chat page) renders, brotli at quality 11 and gzip at level 9. It counts the whole HTML document a signed-in browser gets at /, chat.html, which contains the inlined entry stylesheet and the prerendered chat shell. It adds the entry script and its modulepreload links. Deterministic for a given build, so it is gated in smoke runs too.`,
  async run(context) {
    context.progress('building the web app');
    await buildWebApp({ outDir: context.workDirectory, buildId: 'bench' });
    const files = await measureInitialRoute(context.workDirectory);
    // Rounded to 0.1 kB, so the report shows the figure as it is gated.
    const sum = (pick: (file: (typeof files)[number]) => number) =>
      Math.round((files.reduce((total, file) => total + pick(file), 0) / BYTES_PER_KB) * 10) / 10;

    return {
      figures: [
        {
          name: 'Initial route JS + CSS, brotli',
          value: sum((file) => file.brotliBytes),
          unit: 'kB',
          target: { comparison: '<=', value: BUDGET_BROTLI_KB },
          originalPlanTarget: '75 kB bundle',
          noisy: false,
        },
        {
          name: 'Initial route JS + CSS, gzip',
          value: sum((file) => file.gzipBytes),
          unit: 'kB',
          target: null,
          noisy: false,
        },
        {
          name: 'Initial route JS + CSS, uncompressed',
          value: sum((file) => file.rawBytes),
          unit: 'kB',
          target: null,
          noisy: false,
        },
      ],
      details: [
        `${files.length} files; 1 kB = 1,000 bytes. Lazy chunks (lists, run form, results, uPlot, marked, DOMPurify, and the full zod with the shared schemas) are excluded because they load after the first render; the first route validates with zod/mini.`,
      ],
      tables: [
        {
          title: 'Initial route files',
          columns: ['File', 'Raw (B)', 'Brotli (B)', 'Gzip (B)'],
          rows: files.map((file) => [
            file.path,
            String(file.rawBytes),
            String(file.brotliBytes),
            String(file.gzipBytes),
          ]),
        },
      ],
    };
  },
};
