import { useNavigate } from 'react-router';
import type { QuestionRun } from '../../../src/domain/runs/question-run.ts';
import { fetchRuns } from '../api/resources.ts';
import { NotifyButton } from '../components/NotifyButton.tsx';
import { QueryStatus } from '../components/QueryStatus.tsx';
import { VirtualList } from '../components/VirtualList.tsx';
import { runParameterSummary } from '../lib/run-parameters.ts';
import { usePagedList } from './use-paged-list.ts';

/** Height of a row of three lines: name, status and what the run was run over. */
const ROW_HEIGHT_PX = 76;

function RunRow(run: QuestionRun) {
  return (
    <div className="row-content">
      <span className="row-title">{run.name}</span>
      <span className="row-meta">
        {run.questionDisplayId} · {run.status} · {run.progress}% ·{' '}
        {new Date(run.submittedAt).toLocaleString()}
      </span>
      <span className="row-meta" data-testid="run-row-summary">
        {run.cleanRoom?.displayId ?? 'Clean room'} · {runParameterSummary(run)}
      </span>
    </div>
  );
}

export default function RunsPage() {
  const navigate = useNavigate();
  const { query, items, loadMore, hasMore } = usePagedList(['runs'], fetchRuns);
  return (
    <section className="list-page" aria-labelledby="runs-title">
      <h1 id="runs-title">Runs</h1>
      <NotifyButton />
      <QueryStatus query={query} what="runs" />
      {query.isSuccess && items.length === 0 && (
        <p>No runs yet. Start one from a clean room&apos;s questions.</p>
      )}
      {items.length > 0 && (
        <VirtualList
          items={items}
          hasMore={hasMore}
          loadMore={loadMore}
          rowHeight={ROW_HEIGHT_PX}
          label="Runs"
          renderRow={RunRow}
          onOpen={(run) => void navigate(`/runs/${run.id}`)}
        />
      )}
    </section>
  );
}
