import { cancelRunTool } from './cancel-run.ts';
import { getCleanRoomTool } from './get-clean-room.ts';
import { getQuestionTool } from './get-question.ts';
import { getResultsTool } from './get-results.ts';
import { getRunTool } from './get-run.ts';
import { listCleanRoomsTool } from './list-clean-rooms.ts';
import { listDatasetsTool } from './list-datasets.ts';
import { listPartnersTool } from './list-partners.ts';
import { listQuestionsTool } from './list-questions.ts';
import { listRunsTool } from './list-runs.ts';
import { previewRunTool } from './preview-run.ts';
import { startRunTool } from './start-run.ts';
import type { ToolDefinition } from './tool-definition.ts';

/**
 * Every tool, in the order of the workflow: find a room, see who and what
 * is in it, choose a question, preview and start a run, follow it, read its
 * result. Clients list tools in this order, and models read it as a hint.
 */
export const toolRegistry: readonly ToolDefinition[] = [
  listCleanRoomsTool,
  getCleanRoomTool,
  listPartnersTool,
  listDatasetsTool,
  listQuestionsTool,
  getQuestionTool,
  previewRunTool,
  startRunTool,
  getRunTool,
  listRunsTool,
  getResultsTool,
  cancelRunTool,
];
