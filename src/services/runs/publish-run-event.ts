import type { RunStatus } from '../../domain/runs/question-run.ts';
import type { ServiceContext } from '../service-context.ts';

/**
 * Publishes a run's new status or progress. Delivery is best effort: a
 * subscriber that misses it reads the run's state from the database.
 */
export async function publishRunEvent(
  context: ServiceContext,
  run: { id: string; clean_room_id: string },
  status: RunStatus,
  progress: number,
): Promise<void> {
  try {
    await context.runEvents.publish({
      runId: run.id,
      cleanRoomId: run.clean_room_id,
      status,
      progress,
      at: new Date().toISOString(),
    });
  } catch (err) {
    context.log.warn({ err, runId: run.id, status }, 'run event not published');
  }
}
