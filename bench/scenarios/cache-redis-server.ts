import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { PinningSupport } from '../lib/child-runner.ts';

/**
 * A redis-server of the bench's own on a free port, pinned like the server
 * under test, so a scenario can freeze, stop and restart it without touching
 * the shared Redis on 6379. No persistence: a restart starts empty.
 */
export class BenchRedisServer {
  private process: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly cpus: string,
    private readonly pinning: PinningSupport,
  ) {}

  static async start(cpus: string, pinning: PinningSupport): Promise<BenchRedisServer> {
    const server = new BenchRedisServer(await freePort(), cpus, pinning);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | null {
    return this.process?.pid ?? null;
  }

  /** Starts redis-server on the port; resolves once it accepts connections. */
  async restart(): Promise<void> {
    const redisArguments = [
      'redis-server',
      ...['--port', String(this.port), '--bind', '127.0.0.1'],
      ...['--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    ];
    const [command, ...args] = this.pinning.available
      ? ['taskset', '-c', this.cpus, ...redisArguments]
      : redisArguments;
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    this.process = child;
    let output = '';
    for await (const chunk of child.stdout!) {
      output += String(chunk);
      if (output.includes('Ready to accept connections')) break;
    }
    child.stdout!.resume();
  }

  /** SIGSTOP: the server keeps its connections open but replies to nothing, as a hung Redis does. */
  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  thaw(): void {
    this.process?.kill('SIGCONT');
  }

  /** SIGKILL: connections close at once, as when Redis crashes or its host goes away. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;

    this.process = null;
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no TCP port assigned');
  return address.port;
}
