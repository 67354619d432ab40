import { z } from 'zod';
import { generateDemoDatasets } from '../../src/seed/generate-demo-datasets.ts';
import { serveBenchRequests } from '../lib/child-protocol.ts';

const GenerateRequestSchema = z.object({
  directory: z.string(),
  scale: z.number().positive(),
  endDate: z.string(),
  threads: z.number().int().positive(),
});
export type GenerateRequest = z.infer<typeof GenerateRequestSchema>;

export interface GenerateResponse {
  durationMs: number;
  rowCount: number;
  sizeBytes: number;
}

serveBenchRequests(async (payload): Promise<GenerateResponse> => {
  const request = GenerateRequestSchema.parse(payload);
  const started = performance.now();
  const datasets = await generateDemoDatasets(request);
  return {
    durationMs: performance.now() - started,
    rowCount: datasets.reduce((sum, dataset) => sum + dataset.rowCount, 0),
    sizeBytes: datasets.reduce((sum, dataset) => sum + dataset.sizeBytes, 0),
  };
});
