import type { QueryClient } from '@tanstack/react-query';
import { useEffect, useRef, type ReactNode } from 'react';
import { NavLink, useLocation } from 'react-router';
import { PwaBanners } from '../components/PwaBanners.tsx';
import { navigation, type NavigationEntry } from './routes.ts';
import { useSession, useSignedInSession } from './session-context.tsx';

function prefetchRoute(entry: NavigationEntry, queryClient: QueryClient): void {
  void entry.page?.preload();
  void entry.prefetch?.(queryClient);
}

/** Moves focus to the main region after a route change, so screen readers announce the new page. */
function useFocusOnNavigation() {
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [location.pathname]);
  return mainRef;
}

export function AppShell({
  children,
  queryClient,
}: {
  children: ReactNode;
  queryClient: QueryClient;
}) {
  const session = useSignedInSession();
  const { signOut } = useSession();
  const mainRef = useFocusOnNavigation();

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <span className="brand">Cleanroom Copilot</span>
        <nav aria-label="Main">
          <ul className="nav-list">
            {navigation.map((entry) => (
              <li key={entry.to}>
                <NavLink
                  to={entry.to}
                  end={entry.to === '/'}
                  onMouseEnter={() => prefetchRoute(entry, queryClient)}
                  onFocus={() => prefetchRoute(entry, queryClient)}
                >
                  {entry.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          <span className="account-name">
            {session.user.name} · {session.organization.name}
          </span>
          <button type="button" className="link-button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <PwaBanners />
      <main id="main" ref={mainRef} tabIndex={-1}>
        {children}
      </main>
      <footer className="footer">
        Build <span data-testid="build-id">{__BUILD_ID__}</span>
      </footer>
    </div>
  );
}
