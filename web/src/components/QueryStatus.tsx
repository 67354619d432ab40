import type { UseQueryResult } from '@tanstack/react-query';

/** Loading and error text of a query, or nothing once it has data. */
export function QueryStatus({
  query,
  what,
}: {
  query: Pick<UseQueryResult, 'isPending' | 'isError' | 'error'>;
  what: string;
}) {
  if (query.isPending) return <p className="loading">Loading {what}…</p>;
  if (query.isError) {
    return (
      <p className="error" role="alert">
        Could not load {what}:{' '}
        {query.error instanceof Error ? query.error.message : String(query.error)}
      </p>
    );
  }
  return null;
}
