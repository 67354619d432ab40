import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { RunEventPayload } from '../../../src/domain/chat/ws-protocol.ts';
import type { QuestionRun, RunStatus } from '../../../src/domain/runs/question-run.ts';
import { getChatSocket } from './chat-socket.ts';

/** Reads the shared list of final statuses from its module, which defines zod schemas and so loads after the first paint. */
async function isTerminalRunStatus(status: RunStatus): Promise<boolean> {
  const { TERMINAL_RUN_STATUSES } = await import('../../../src/domain/runs/question-run.ts');
  return TERMINAL_RUN_STATUSES.includes(status);
}

/**
 * Follows runs over the WebSocket (no polling) and returns the latest event
 * per run id. Each event also updates the cached run detail, and a run that
 * reaches a terminal status has its results and lists refetched.
 */
export function useRunEvents(runIds: readonly string[]): Map<string, RunEventPayload> {
  const queryClient = useQueryClient();
  const [events, setEvents] = useState(() => new Map<string, RunEventPayload>());
  const key = runIds.join(',');

  useEffect(() => {
    if (key === '') return;
    const watched = new Set(key.split(','));
    const socket = getChatSocket();
    const unsubscribe = socket.subscribe((message) => {
      if (message.type !== 'run_event' || !watched.has(message.event.runId)) return;
      const { event } = message;
      setEvents((previous) => new Map(previous).set(event.runId, event));
      queryClient.setQueryData<QuestionRun>(['run', event.runId], (run) =>
        run === undefined
          ? run
          : { ...run, status: event.status, progress: Math.round(event.progress) },
      );
      void isTerminalRunStatus(event.status).then((terminal) => {
        if (!terminal) return;
        void queryClient.invalidateQueries({ queryKey: ['run', event.runId] });
        void queryClient.invalidateQueries({ queryKey: ['runs'] });
      });
    });
    // The run may have changed between the page's read and the subscription, so read it again then.
    const stopConfirming = socket.onRunsSubscribed((runIds) => {
      for (const runId of runIds) {
        if (watched.has(runId)) void queryClient.invalidateQueries({ queryKey: ['run', runId] });
      }
    });
    socket.watchRuns([...watched]);
    return () => {
      unsubscribe();
      stopConfirming();
    };
  }, [key, queryClient]);

  return events;
}
