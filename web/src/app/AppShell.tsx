import type { QueryClient } from '@tanstack/react-query';
import { useEffect, useLayoutEffect, useRef, type ReactNode } from 'react';
import { NavLink, useLocation } from 'react-router';
import { PwaBanners } from '../components/PwaBanners.tsx';
import { pageTitle } from './page-title.ts';
import { navigation, type NavigationEntry } from './routes.ts';
import { useSession, useSignedInSession } from './session-context.tsx';

function prefetchRoute(entry: NavigationEntry, queryClient: QueryClient): void {
  void entry.page?.preload();
  void entry.prefetch?.(queryClient);
}

/**
 * Focuses the page's heading, which screen readers then announce, or the
 * main region when the page has not rendered its heading yet.
 */
function focusPageHeading(main: HTMLElement): void {
  const heading = main.querySelector<HTMLElement>('h1');
  if (heading === null) {
    main.focus();
    return;
  }
  heading.tabIndex = -1;
  heading.focus();
}

/**
 * Moves focus to the main region after a route change, so screen readers
 * announce the new page. Right after sign-in, focus would otherwise stay on
 * the removed sign-in form, so it goes to the landing page's heading.
 */
function useFocusOnNavigation(signedInHere: boolean) {
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  useEffect(() => {
    const main = mainRef.current;
    if (firstRender.current) {
      firstRender.current = false;
      if (signedInHere && main !== null) focusPageHeading(main);
      return;
    }
    main?.focus();
  }, [location.pathname, signedInHere]);
  return mainRef;
}

/**
 * Sets the title from the route. A layout effect, so it runs before the
 * page's own effects, and a page that names its subject (usePageTitle) wins.
 */
function useDocumentTitle(): void {
  const { pathname } = useLocation();
  useLayoutEffect(() => {
    document.title = pageTitle(pathname);
  }, [pathname]);
}

export function AppShell({
  children,
  queryClient,
}: {
  children: ReactNode;
  queryClient: QueryClient;
}) {
  const session = useSignedInSession();
  const { state, signOut } = useSession();
  const mainRef = useFocusOnNavigation(state.status === 'signed-in' && state.signedInHere);
  useDocumentTitle();

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
