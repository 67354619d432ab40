import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time counters from /proc, in clock ticks (USER_HZ, 100 per second on
 * Linux x86-64). A round reads them before and after, and the difference
 * gives the share of the machine that other programs used meanwhile.
 */
export interface CpuSnapshot {
  /** All CPUs, all states except guest (already counted in user). */
  totalTicks: number;
  /** `totalTicks` minus idle and iowait. */
  busyTicks: number;
  /** The bench process and all its descendants, including reaped children. */
  ownTicks: number;
}

export function takeCpuSnapshot(rootPid: number = process.pid): CpuSnapshot {
  const { totalTicks, busyTicks } = readSystemTicks();
  return { totalTicks, busyTicks, ownTicks: readProcessTreeTicks(rootPid) };
}

/** Share of the machine's CPU capacity that processes outside the bench used between two snapshots. */
export function computeForeignCpuShare(before: CpuSnapshot, after: CpuSnapshot): number {
  const total = after.totalTicks - before.totalTicks;
  if (total <= 0) return 0;
  const foreign = after.busyTicks - before.busyTicks - (after.ownTicks - before.ownTicks);
  return Math.max(0, foreign) / total;
}

function readSystemTicks(): { totalTicks: number; busyTicks: number } {
  const cpuLine = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const [user, nice, system, idle, iowait, irq, softirq, steal] = cpuLine
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const idleTicks = (idle ?? 0) + (iowait ?? 0);
  const totalTicks =
    [user, nice, system, irq, softirq, steal].reduce<number>(
      (sum, ticks) => sum + (ticks ?? 0),
      0,
    ) + idleTicks;
  return { totalTicks, busyTicks: totalTicks - idleTicks };
}

interface ProcessTicks {
  parentPid: number;
  /** utime + stime + cutime + cstime: cutime and cstime hold the children it has reaped. */
  ticks: number;
}

function readProcessTreeTicks(rootPid: number): number {
  const processes = readAllProcessTicks();
  const childrenByParent = new Map<number, number[]>();
  for (const [pid, { parentPid }] of processes) {
    childrenByParent.set(parentPid, [...(childrenByParent.get(parentPid) ?? []), pid]);
  }

  let ticks = 0;
  const pending = [rootPid];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    ticks += processes.get(pid)?.ticks ?? 0;
    pending.push(...(childrenByParent.get(pid) ?? []));
  }
  return ticks;
}

function readAllProcessTicks(): Map<number, ProcessTicks> {
  const processes = new Map<number, ProcessTicks>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parsed = readProcessTicks(Number(entry));
    if (parsed !== null) processes.set(Number(entry), parsed);
  }
  return processes;
}

/** Parses /proc/<pid>/stat, or returns null when the process exited while /proc was being read. */
function readProcessTicks(pid: number): ProcessTicks | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses, so fields are counted from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const field = (number: number) => Number(fields[number - 3] ?? 0);
  return { parentPid: field(4), ticks: field(14) + field(15) + field(16) + field(17) };
}
