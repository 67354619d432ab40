import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { apiFetch, apiRequest } from '../api/api-client.ts';
import { ApiError } from '../api/api-error.ts';
import { SessionMiniSchema } from '../api/session-mini-schema.ts';
import type { Session } from '../api/session-schema.ts';
import { readRememberedSession, rememberSession } from '../api/session-store.ts';
import { CLEAR_API_CACHE } from '../lib/sw-messages.ts';
import { resetChat } from '../pages/chat/chat-store.ts';
import { closeChatSocket } from '../ws/chat-socket.ts';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out' }
  | {
      status: 'signed-in';
      session: Session;
      offline: boolean;
      /** True when the user signed in with the form on this page, rather than returning with a session. */
      signedInHere: boolean;
    };

interface SessionContextValue {
  state: SessionState;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

/** Reads the session from the server, or the remembered one when the server cannot be reached. */
export async function loadSession(): Promise<SessionState> {
  try {
    const session = await apiRequest(SessionMiniSchema, '/auth/session');
    rememberSession(session);
    return { status: 'signed-in', session, offline: false, signedInHere: false };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      rememberSession(null);
      return { status: 'signed-out' };
    }
    // Offline: keep showing the cached pages of the user who signed in last.
    const remembered = readRememberedSession();
    if (remembered === null) return { status: 'signed-out' };
    return { status: 'signed-in', session: remembered, offline: true, signedInHere: false };
  }
}

/**
 * Holds the session. `initialState` is the session main.tsx read before the
 * first render; without it the provider starts in `loading` and reads it.
 */
export function SessionProvider({
  children,
  initialState,
}: {
  children: ReactNode;
  initialState?: SessionState;
}) {
  const [state, setState] = useState<SessionState>(initialState ?? { status: 'loading' });
  const queryClient = useQueryClient();

  useEffect(() => {
    if (initialState === undefined) void loadSession().then(setState);
  }, [initialState]);

  const signIn = useCallback(async (email: string, password: string) => {
    const session = await apiRequest(SessionMiniSchema, '/auth/login', {
      method: 'POST',
      body: { email, password },
    });
    rememberSession(session);
    setState({ status: 'signed-in', session, offline: false, signedInHere: true });
  }, []);

  const signOut = useCallback(async () => {
    await apiFetch('/auth/logout', { method: 'POST' }).catch(() => undefined);
    rememberSession(null);
    resetChat();
    closeChatSocket();
    // The next user of this browser must not see this user's lists, in memory or in the worker's cache.
    queryClient.clear();
    navigator.serviceWorker?.controller?.postMessage({ type: CLEAR_API_CACHE });
    setState({ status: 'signed-out' });
  }, [queryClient]);

  const value = useMemo(() => ({ state, signIn, signOut }), [state, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (value === null) throw new Error('useSession needs a SessionProvider above it');
  return value;
}

/** Returns the signed-in session; use it only in components rendered behind the sign-in gate. */
export function useSignedInSession(): Session {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useSignedInSession needs a signed-in user');
  return state.session;
}
