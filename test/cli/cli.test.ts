import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cli = path.resolve('bin/cleanroom.js');

function runCli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cleanroom CLI', () => {
  it('describes every command and option in --help', () => {
    const help = runCli(['--help']);
    expect(help.status).toBe(0);
    for (const command of [
      'start',
      'worker',
      'seed',
      'import-csv',
      'run-question',
      'api-key',
      'demo-keys',
    ]) {
      expect(help.stdout).toContain(command);
    }

    const runHelp = runCli(['run-question', '--help']);
    expect(runHelp.stdout).toContain('--param <name=value>');
    expect(runHelp.stdout).toMatch(/seconds/);
  });

  it('stops with the variable and value when the configuration is bad', () => {
    const result = runCli(['start'], { PORT: 'eighty' });

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('PORT="eighty" is invalid');
  });

  it('says how to get an API key when none is given', () => {
    const result = runCli(['run-question', 'CR-000001', 'audience_overlap'], {
      CLEANROOM_API_KEY: '',
    });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--api-key');
  });
});

describe('cleanroom start with the small demo', () => {
  let dataDir: string;
  let server: ReturnType<typeof spawn>;
  let url = '';
  let keys: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'cleanroom-cli-'));
    server = spawn(process.execPath, [cli, 'start', '--port', '0', '--seed', 'small'], {
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    while (!/crk_\S+\n[\s\S]*crk_\S+\n[\s\S]*crk_\S+\n/.test(output)) {
      await Promise.race([
        once(server.stdout!, 'data'),
        once(server, 'exit').then(() => Promise.reject(new Error(`server exited: ${output}`))),
      ]);
    }
    url = /running at (http:\/\/\S+)/.exec(output)![1]!;
    keys = [...output.matchAll(/(crk_\S+)/g)].map((match) => match[1]!);
  }, 120_000);

  afterAll(async () => {
    server?.kill('SIGTERM');
    if (server && server.exitCode === null) await once(server, 'exit');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints a key per demo organization, and demo-keys prints them again', () => {
    expect(keys).toHaveLength(3);

    const again = runCli(['demo-keys'], { DATA_DIR: dataDir });
    for (const key of keys) expect(again.stdout).toContain(key);
  });

  it('refuses a second process on the same embedded database', () => {
    const second = runCli(['seed', '--size', 'small'], { DATA_DIR: dataDir, DATABASE_URL: '' });

    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/already uses the embedded database/);
  });

  it('imports a CSV and runs a question through the API', async () => {
    const csvPath = path.join(dataDir, 'customers.csv');
    const rows = Array.from(
      { length: 400 },
      (_, index) => `Person${6000 + index}@Example.com,${index % 2 ? 'gold' : 'silver'}`,
    );
    await writeFile(csvPath, `email,tier\n${rows.join('\n')}\nbroken,gold\n`);
    const env = { CLEANROOM_URL: url, CLEANROOM_API_KEY: keys[0]! };

    const imported = runCli(
      ['import-csv', csvPath, '--name', 'CLI customers', '--attach-to', 'CR-000001'],
      env,
    );
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toContain('400 rows, 1 invalid row skipped');
    expect(imported.stdout).toMatch(/402\s+email\s+INVALID_EMAIL/);
    const datasetId = /\(([0-9a-f-]{36})\)/.exec(imported.stdout)![1]!;

    const ran = runCli(
      [
        'run-question',
        'CR-000001',
        'audience_overlap',
        '-p',
        'attribute=age_band',
        '-d',
        `@my_audience=${datasetId}`,
      ],
      env,
    );
    expect(ran.status).toBe(0);
    expect(ran.stderr).toContain('COMPLETED 100%');
    expect(ran.stdout).toContain('overlap_count');
    expect(ran.stdout).toMatch(/rows? suppressed under the crowd size of 50/);

    const sized = runCli(
      [
        'run-question',
        'CR-000001',
        'segment_sizing',
        '-p',
        'attribute=age_band',
        '-p',
        'values=["35-44","45-54"]',
        '-d',
        `@my_audience=${datasetId}`,
      ],
      env,
    );
    expect(sized.stderr).toContain('COMPLETED 100%');
  });

  it('ends quietly when its output is piped into a closed reader', () => {
    const result = spawnSync('bash', ['-c', `"${process.execPath}" "${cli}" --help | head -1`], {
      encoding: 'utf8',
    });

    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
  });
});
