import type { UseQueryResult } from '@tanstack/react-query';
import { Link } from 'react-router';
import { ApiError } from '../api/api-error.ts';
import type { ErrorCode } from '../../../src/domain/errors/error-codes.ts';
import type { ErrorExplanation, ErrorExplanations } from '../app/not-found-texts.ts';

/**
 * Describes why a query failed. fetch rejects with a TypeError ("Failed to
 * fetch") when no response came. Offline, that means the service worker had
 * no cached copy: the page was never opened online, or its data is never cached.
 */
function failureText(what: string, error: unknown, cachedOffline: boolean): string {
  if (error instanceof TypeError && !navigator.onLine && !cachedOffline) {
    return `This page is not available offline, because ${what} is read live from the server. Connect to the network and try again.`;
  }
  if (error instanceof TypeError && !navigator.onLine) {
    return `This page is not available offline because it was not opened before, so no copy of ${what} was saved. Connect to the network and try again.`;
  }
  if (error instanceof TypeError) {
    return `Could not load ${what}: the server could not be reached. Check your connection and try again.`;
  }
  return `Could not load ${what}: ${error instanceof Error ? error.message : String(error)}`;
}

function explanationOf(error: unknown, explain: ErrorExplanations): ErrorExplanation | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return explain[error.code as ErrorCode];
}

/**
 * Loading and error text of a query, or nothing once it has data. `explain`
 * replaces the server's message for the error codes it lists.
 */
export function QueryStatus({
  query,
  what,
  cachedOffline = true,
  explain = {},
}: {
  query: Pick<UseQueryResult, 'isPending' | 'isError' | 'error'>;
  what: string;
  /** False for data the service worker never caches, such as the system status. */
  cachedOffline?: boolean;
  explain?: ErrorExplanations;
}) {
  if (query.isPending) return <p className="loading">Loading {what}…</p>;
  const explanation = query.isError ? explanationOf(query.error, explain) : undefined;
  if (explanation !== undefined) {
    return (
      <div role="alert" data-testid="query-error">
        <p className="error">{explanation.text}</p>
        <p>
          <Link to={explanation.link.to}>{explanation.link.label}</Link>
        </p>
      </div>
    );
  }
  if (query.isError) {
    return (
      <p className="error" role="alert" data-testid="query-error">
        {failureText(what, query.error, cachedOffline)}
      </p>
    );
  }
  return null;
}
