/**
 * Entry point of `npm start`. It builds the web app when web/dist is missing
 * or stale, then runs `cleanroom start` with any extra arguments, such as
 * `npm start -- --port 8080`. The npm script starts this file with `exec`,
 * so a SIGTERM sent to `npm start` reaches this process and the server shuts
 * down cleanly (a shell left between them would exit alone).
 */
import { ensureWebBuildWithReport } from './ensure-web-build.ts';

await ensureWebBuildWithReport();
process.argv.splice(2, 0, 'start');
await import('../src/interfaces/cli/main.ts');
