import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { chatShellPlugin, CHAT_SHELL_FILE } from './build/chat-shell-plugin.ts';
import { compressAssetsPlugin } from './build/compress-assets-plugin.ts';
import { iconsPlugin } from './build/icons-plugin.ts';
import { inlineStylesheetPlugin } from './build/inline-stylesheet-plugin.ts';

const webRoot = path.dirname(fileURLToPath(import.meta.url));

/**
 * React imports resolve to Preact's compat layer: 7.8 kB brotli in this build,
 * where React and React DOM took 56.0 kB. The exact-match patterns keep
 * `react-router` and `@tanstack/react-query` pointing at their own packages.
 */
const preactAliases = [
  { find: /^react$/, replacement: 'preact/compat' },
  { find: /^react-dom$/, replacement: 'preact/compat' },
  { find: /^react-dom\/client$/, replacement: 'preact/compat/client' },
  { find: /^react\/jsx-runtime$/, replacement: 'preact/jsx-runtime' },
  { find: /^react\/jsx-dev-runtime$/, replacement: 'preact/jsx-runtime' },
];

/** Build marker shown in the app footer; the update test changes it to tell two builds apart. */
const buildId = process.env.WEB_BUILD_ID ?? 'local';

/**
 * Keeps libraries that change rarely in their own chunks, so a deploy of app code leaves them cached.
 * The first route's libraries share one chunk. With Preact, the router and TanStack Query apart, the
 * first load made seven requests, counting the session preload and the stylesheet. Chromium opens six
 * HTTP/1.1 connections per host, so on the bench's Slow 4G profile the seventh request waited a whole
 * round trip, which cost about 560 ms of LCP.
 */
function chunkOf(id: string): string | undefined {
  if (!id.includes('node_modules')) return undefined;
  if (
    id.includes('node_modules/preact/') ||
    id.includes('node_modules/react-router') ||
    id.includes('node_modules/@tanstack/query') ||
    id.includes('node_modules/@tanstack/react-query')
  )
    return 'vendor';
  if (id.includes('node_modules/@tanstack/')) return 'virtual';
  // zod has no manual chunk: the first route validates with zod/mini, and a
  // manual chunk would pull the full zod API, which only lazy chunks use, into it.
  if (/node_modules\/(marked|dompurify)\//.test(id)) return 'markdown';
  if (id.includes('node_modules/uplot/')) return 'uplot';
  return undefined;
}

/**
 * Warnings every build prints and that need no action. TanStack Query and
 * react-router carry "use client" directives, which only matter for React
 * Server Components. react-router reads React 19's useOptimistic, which
 * preact/compat lacks, and checks that it exists before calling it.
 */
function isExpectedWarning(warning: { code?: string; message: string }): boolean {
  if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return true;
  return warning.code === 'IMPORT_IS_UNDEFINED' && warning.message.includes('useOptimistic');
}

export default defineConfig({
  root: webRoot,
  base: '/',
  define: { __BUILD_ID__: JSON.stringify(buildId) },
  resolve: { alias: preactAliases },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: path.join(webRoot, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    // The CSP forbids inline code, and a data: URL script would need script-src data:.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    rollupOptions: {
      output: { manualChunks: chunkOf },
      onwarn(warning, warn) {
        if (isExpectedWarning(warning)) return;
        warn(warning);
      },
    },
  },
  plugins: [
    iconsPlugin(),
    inlineStylesheetPlugin(),
    chatShellPlugin(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/sw',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      manifest: {
        name: 'Cleanroom Copilot',
        short_name: 'Cleanroom',
        description: 'Data clean rooms: chat, questions, live runs and privacy-safe results.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#0f6e6e',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,png,svg,webmanifest}'],
        // chat.html is only ever served by the network; offline navigations get index.html.
        globIgnores: ['**/*.br', '**/*.gz', 'sw.js', CHAT_SHELL_FILE],
        minify: true,
      },
    }),
    compressAssetsPlugin(),
  ],
});
