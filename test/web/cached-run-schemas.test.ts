import { describe, expect, it } from 'vitest';
import { QuestionRunResultSchema, QuestionRunSchema } from '../../src/domain/runs/question-run.ts';

/** A run as the API returned it before runs carried their room, labels and datasets. */
const olderRun = {
  id: '6f1c1c57-4a43-4c3e-9a5e-0c0a4d7d2a01',
  name: 'Reach and frequency 2026-12-01 10:00',
  cleanRoomId: '0b7ad1f4-26f4-4b4f-8c0e-7d2b4f3c9a11',
  questionId: '9d5e3c2a-1b4f-4e6a-8c7d-2f1e0a9b8c77',
  questionDisplayId: 'CRQ-000002',
  status: 'COMPLETED',
  progress: 100,
  parameters: { date_start: '2026-11-01', date_end: '2026-11-30' },
  datasets: { '@exposures': '3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a99' },
  privacy: { crowdSize: 50, noise: { enabled: false, scale: 0 } },
  submittedBy: { organizationId: '1cd4d6b3-ce8c-424e-a6e0-19743dad215d', userId: null },
  submittedAt: '2026-12-01T10:00:00.000Z',
  startedAt: '2026-12-01T10:00:01.000Z',
  completedAt: '2026-12-01T10:00:02.000Z',
  failureReason: null,
  isRetryable: false,
  attempt: 1,
};

const olderResult = {
  runId: olderRun.id,
  columns: [{ name: 'frequency', dataType: 'INTEGER' }],
  rows: [[1]],
  rowCount: 1,
  suppressedRowCount: 0,
  noiseApplied: false,
  privacy: olderRun.privacy,
  offset: 0,
  nextCursor: null,
};

/** The service worker may serve these from its cache after a deploy, while offline. */
describe('runs cached by an older build', () => {
  it('reads a run without the newer fields', () => {
    const run = QuestionRunSchema.parse(olderRun);

    expect(run.cleanRoom).toBeNull();
    expect(run.questionName).toBeNull();
    expect(run.parameterLabels).toEqual({});
    expect(run.boundDatasets).toEqual([]);
  });

  it('reads a result without unmatched values', () => {
    expect(QuestionRunResultSchema.parse(olderResult).unmatchedValues).toBeNull();
  });
});
