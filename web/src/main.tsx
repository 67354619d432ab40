import './lib/configure-zod.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { startPwa, watchChunkFailures } from './app/pwa-state.ts';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');

watchChunkFailures();
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
startPwa();
