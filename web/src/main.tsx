import './lib/configure-zod.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { startPwa, watchChunkFailures } from './app/pwa-state.ts';
import { loadSession } from './app/session-context.tsx';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');

watchChunkFailures();
startPwa();

/** Maximum wait (ms) for the browser to report the paint of the prerendered page. */
const PRERENDERED_PAINT_TIMEOUT_MS = 500;

/**
 * Resolves once the browser has reported the Largest Contentful Paint of a
 * page prerendered into the HTML (the chat route's shell, marked aria-busy),
 * or at once when there is none. In Chromium, rendering over the shell before
 * its paint was reported made LCP the app's render in 4 of 27 cold loads,
 * 70-240 ms after the shell's paint, although the screen showed the same
 * content. A hidden tab reports no paint, so it does not wait.
 */
function prerenderedPagePainted(container: HTMLElement): Promise<void> {
  const prerendered = container.querySelector('[aria-busy="true"]') !== null;
  const reported = PerformanceObserver.supportedEntryTypes.includes('largest-contentful-paint');
  if (!prerendered || !reported || document.visibilityState === 'hidden') return Promise.resolve();
  return new Promise((resolve) => {
    const finish = () => {
      observer.disconnect();
      clearTimeout(timer);
      resolve();
    };
    const observer = new PerformanceObserver(finish);
    const timer = setTimeout(finish, PRERENDERED_PAINT_TIMEOUT_MS);
    observer.observe({ type: 'largest-contentful-paint', buffered: true });
  });
}

// index.html preloads the session, so it usually arrives before the scripts do.
// Rendering once with it skips a "Loading" render, its layout and paint, and the
// effect that would only then request the session. The boot text or the
// prerendered chat page shows meanwhile.
// This uses then() because a top-level await made Rollup split the first route into 14 files.
void Promise.all([loadSession(), prerenderedPagePainted(root)]).then(([initialSession]) => {
  createRoot(root).render(
    <StrictMode>
      <App initialSession={initialSession} />
    </StrictMode>,
  );
});
