import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import type { Partner } from '../../../src/domain/clean-rooms/clean-room.ts';
import { fetchCleanRoom, fetchPartners, fetchRoomQuestions } from '../api/resources.ts';
import { cleanRoomNotFound } from '../app/not-found-texts.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { pages } from '../app/routes.ts';
import { QueryStatus } from '../components/QueryStatus.tsx';
import { RoomDatasets } from './clean-room/room-datasets.tsx';
import { roomListPath } from './clean-room/room-list-location.ts';

/**
 * Shows each partner organization by name, with its role second, so both fit
 * a phone screen. The organization id, which the partner API takes to add or
 * remove a partner, is the name's tooltip.
 */
function PartnerTable({ partners }: { partners: readonly Partner[] }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Partners">
      <table data-testid="partner-table">
        <thead>
          <tr>
            <th scope="col">Organization</th>
            <th scope="col">Role</th>
            <th scope="col">Kind</th>
            <th scope="col">Invitation</th>
          </tr>
        </thead>
        <tbody>
          {partners.map((partner) => (
            <tr key={partner.id}>
              <th scope="row" title={`Organization id ${partner.partnerOrganizationId}`}>
                {partner.name}
              </th>
              <td>{partner.role}</td>
              <td>{partner.kind}</td>
              <td>{partner.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Partners({ cleanRoomId }: { cleanRoomId: string }) {
  const query = useQuery({
    queryKey: ['cleanroom', cleanRoomId, 'partners'],
    queryFn: () => fetchPartners(cleanRoomId),
  });
  return (
    <section aria-labelledby="partners-title">
      <h2 id="partners-title">Partners</h2>
      <QueryStatus query={query} what="partners" />
      {query.data?.items.length === 0 && <p className="muted">No partners yet.</p>}
      {query.data !== undefined && query.data.items.length > 0 && (
        <PartnerTable partners={query.data.items} />
      )}
    </section>
  );
}

/** Roles whose organization may run the room's questions; the server enforces the same rule. */
const RUNNING_ROLES = new Set(['OWNER', 'ANALYST']);

function Questions({ cleanRoomId, myRole }: { cleanRoomId: string; myRole: string }) {
  const canRun = RUNNING_ROLES.has(myRole);
  const query = useQuery({
    queryKey: ['cleanroom', cleanRoomId, 'questions'],
    queryFn: () => fetchRoomQuestions(cleanRoomId),
  });
  return (
    <section aria-labelledby="questions-title">
      <h2 id="questions-title">Questions</h2>
      <QueryStatus query={query} what="questions" />
      {query.data?.items.length === 0 && <p className="muted">No questions are added.</p>}
      {!canRun && (query.data?.items.length ?? 0) > 0 && (
        <p className="muted" data-testid="questions-viewer-note">
          As a {myRole.toLowerCase()} of this clean room, your organization can see the questions
          but not run them. An owner or analyst organization runs them.
        </p>
      )}
      <ul>
        {query.data?.items.map((question) => (
          <li key={question.id}>
            <strong>{question.name}</strong> {question.description}{' '}
            {canRun && (
              <Link
                to={`/cleanrooms/${cleanRoomId}/questions/${question.template}/run`}
                onMouseEnter={() => void pages.runForm.preload()}
                onFocus={() => void pages.runForm.preload()}
              >
                Run {question.name}
              </Link>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function CleanRoomDetailPage() {
  const { cleanRoomId = '' } = useParams();
  const query = useQuery({
    queryKey: ['cleanroom', cleanRoomId],
    queryFn: () => fetchCleanRoom(cleanRoomId),
  });
  const room = query.data;
  usePageTitle(room === undefined ? undefined : `Clean room ${room.displayId}`);
  return (
    <section className="detail-page" aria-labelledby="room-title">
      <p>
        <Link to={roomListPath()}>← Clean rooms</Link>
      </p>
      <h1 id="room-title">{room?.name ?? 'Clean room'}</h1>
      <QueryStatus query={query} what="the clean room" explain={cleanRoomNotFound(cleanRoomId)} />
      {room !== undefined && (
        <p data-testid="room-description" className={room.description === '' ? 'muted' : undefined}>
          {room.description === '' ? 'No description.' : room.description}
        </p>
      )}
      {room !== undefined && (
        <dl className="facts">
          <dt>Id</dt>
          <dd>{room.displayId}</dd>
          <dt>Status</dt>
          <dd>{room.status}</dd>
          <dt>Owner</dt>
          <dd>{room.ownerOrganization.name}</dd>
          <dt>Crowd size (k-min)</dt>
          <dd>{room.cleanRoomParameters.CROWD_SIZE}</dd>
          <dt>Noise</dt>
          <dd>
            {room.cleanRoomParameters.ENABLE_NOISE
              ? `on, scale ${room.cleanRoomParameters.DATA_DECIBEL}`
              : 'off'}
          </dd>
        </dl>
      )}
      {room !== undefined && (
        <>
          <Partners cleanRoomId={room.id} />
          <RoomDatasets room={room} />
          <Questions cleanRoomId={room.id} myRole={room.myRole} />
        </>
      )}
    </section>
  );
}
