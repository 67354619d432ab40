import { useEffect } from 'react';
import { APP_NAME } from './page-title.ts';

/**
 * Names the page's subject in the title once it is loaded, such as "Clean
 * room CR-000001", in place of the id the route carries. Undefined keeps the
 * route's title.
 */
export function usePageTitle(page: string | undefined): void {
  useEffect(() => {
    if (page !== undefined) document.title = `${page} - ${APP_NAME}`;
  }, [page]);
}
