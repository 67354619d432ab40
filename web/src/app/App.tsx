import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { Suspense, useEffect } from 'react';
import { BrowserRouter, Link, Route, Routes } from 'react-router';
import { ApiError } from '../api/api-error.ts';
import { ChatPage } from '../pages/ChatPage.tsx';
import { SignInPage } from '../pages/SignInPage.tsx';
import { AppShell } from './AppShell.tsx';
import { navigation, pages } from './routes.ts';
import { SessionProvider, useSession, type SessionState } from './session-context.tsx';

/** Lists and details stay fresh this long (ms), so going back renders from the cache at once. */
const STALE_TIME_MS = 30_000;
/** Time (ms) after load before the likely next routes and their data are prefetched. */
const IDLE_PREFETCH_DELAY_MS = 1500;

/**
 * Retries a failed read once, unless the server rejected the request itself
 * (a 4xx other than 408 and 429): a missing room or a bad parameter stays so.
 */
function shouldRetry(failureCount: number, error: unknown): boolean {
  if (failureCount >= 1) return false;
  if (!(error instanceof ApiError)) return true;
  return error.status < 400 || error.status >= 500 || error.status === 408 || error.status === 429;
}

const queryClient = new QueryClient({
  defaultOptions: {
    queries: { staleTime: STALE_TIME_MS, retry: shouldRetry, networkMode: 'offlineFirst' },
    mutations: { networkMode: 'offlineFirst' },
  },
});

function useIdlePrefetch(enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    const timer = setTimeout(() => {
      const idle =
        window.requestIdleCallback ?? ((callback: () => void) => setTimeout(callback, 0));
      idle(() => {
        for (const entry of navigation) void entry.page?.preload();
        void navigation[1]?.prefetch?.(queryClient);
      });
    }, IDLE_PREFETCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [enabled]);
}

function SignedInRoutes() {
  return (
    <AppShell queryClient={queryClient}>
      <Suspense fallback={<p className="loading">Loading…</p>}>
        <Routes>
          <Route path="/" element={<ChatPage />} />
          <Route path="/cleanrooms" element={<pages.cleanRooms.Component />} />
          <Route path="/cleanrooms/:cleanRoomId" element={<pages.cleanRoom.Component />} />
          <Route
            path="/cleanrooms/:cleanRoomId/questions/:questionId/run"
            element={<pages.runForm.Component />}
          />
          <Route path="/datasets" element={<pages.datasets.Component />} />
          <Route path="/runs" element={<pages.runs.Component />} />
          <Route path="/runs/:runId" element={<pages.run.Component />} />
          <Route path="/status" element={<pages.status.Component />} />
          <Route
            path="*"
            element={
              <p data-testid="page-not-found">
                Page not found. <Link to="/">Go to the chat</Link> or{' '}
                <Link to="/cleanrooms">your clean rooms</Link>.
              </p>
            }
          />
        </Routes>
      </Suspense>
    </AppShell>
  );
}

function SessionGate() {
  const { state } = useSession();
  useIdlePrefetch(state.status === 'signed-in');
  if (state.status === 'loading') return <p className="loading">Loading…</p>;
  if (state.status === 'signed-out') return <SignInPage />;
  return <SignedInRoutes />;
}

export function App({ initialSession }: { initialSession?: SessionState }) {
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider initialState={initialSession}>
        <BrowserRouter>
          <SessionGate />
        </BrowserRouter>
      </SessionProvider>
    </QueryClientProvider>
  );
}
