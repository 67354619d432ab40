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
// index.html preloads the session, so it usually arrives before the scripts do.
// Rendering once with it skips a "Loading" render, its layout and paint, and the
// effect that would only then request the session. The boot text shows meanwhile.
// This uses then() because a top-level await made Rollup split the first route into 14 files.
void loadSession().then((initialSession) => {
  createRoot(root).render(
    <StrictMode>
      <App initialSession={initialSession} />
    </StrictMode>,
  );
});
