import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildWebApp } from '../../../scripts/ensure-web-build.ts';
import {
  startTestPlatform,
  type TestPlatform,
  type TestPlatformOptions,
} from '../../support/test-platform.ts';

export interface WebTestServer {
  platform: TestPlatform;
  baseUrl: string;
  distDir: string;
  /** Rebuilds the app into the served directory, as a deploy does. */
  deploy(buildId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the web app into a fresh directory and starts a real platform
 * serving it on 127.0.0.1 (port 0), on PostgreSQL with the small seed.
 */
export async function startWebTestServer(
  options: Partial<TestPlatformOptions> & { buildId?: string } = {},
): Promise<WebTestServer> {
  const distDir = await mkdtemp(path.join(os.tmpdir(), 'cleanroom-web-dist-'));
  await buildWebApp({ outDir: distDir, buildId: options.buildId ?? 'build-1' });
  const platform = await startTestPlatform({
    backend: 'postgres',
    ...options,
    env: { WEB_DIST_DIR: distDir, ...options.env },
  });
  await platform.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = platform.app.server.address() as AddressInfo;

  return {
    platform,
    baseUrl: `http://127.0.0.1:${port}`,
    distDir,
    deploy: (buildId) => buildWebApp({ outDir: distDir, buildId }),
    close: async () => {
      await platform.close();
      await rm(distDir, { recursive: true, force: true });
    },
  };
}
