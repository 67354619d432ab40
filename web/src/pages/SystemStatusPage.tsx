import { useQuery } from '@tanstack/react-query';
import { durationText } from '../../../src/domain/text/duration-text.ts';
import { fetchSystemStatus } from '../api/resources.ts';
import { QueryStatus } from '../components/QueryStatus.tsx';

/** Health of each part, with the backend the server reports it really uses. */
export default function SystemStatusPage() {
  const query = useQuery({ queryKey: ['system-status'], queryFn: fetchSystemStatus, staleTime: 0 });
  const status = query.data;
  return (
    <section className="detail-page" aria-labelledby="status-title">
      <h1 id="status-title">System status</h1>
      <QueryStatus query={query} what="the system status" cachedOffline={false} />
      {status !== undefined && (
        <>
          <p data-testid="status-summary">
            Version {status.version}, up {durationText(status.uptimeSeconds)}. Build {__BUILD_ID__}.
          </p>
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Components">
            <table data-testid="status-table">
              <thead>
                <tr>
                  <th scope="col">Part</th>
                  <th scope="col">Backend</th>
                  <th scope="col">Status</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {status.components.map((component) => (
                  <tr key={component.name}>
                    <td>{component.name}</td>
                    <td>{component.backend}</td>
                    <td className={`status-${component.status}`}>{component.status}</td>
                    <td>{component.detail ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
