/** Writes a timestamped progress line to stderr, keeping stdout free for the usage text. */
export function writeProgress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
