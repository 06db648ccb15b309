/**
 * Test support: the memory of the workerd processes this test process started (wrangler's test
 * harness spawns them), read from Linux's /proc. VmHWM is the peak resident set since the process
 * began, so a before/after pair bounds what one request cost at its worst moment, even when the
 * memory is given back before the answer arrives.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcessMemory {
  pid: number;
  /** Peak resident set, bytes. */
  hwm: number;
  /** Resident set now, bytes. */
  rss: number;
}

function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function descendsFrom(pid: number, ancestor: number): boolean {
  for (let p: number | undefined = parentOf(pid), hops = 0; p !== undefined && p > 1 && hops < 64; p = parentOf(p), hops++) {
    if (p === ancestor) return true;
  }
  return false;
}

const kib = (status: string, field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;

/** Every workerd process below `ancestor` (default: this process), with its memory now. */
export function workerdMemory(ancestor = process.pid): ProcessMemory[] {
  const found: ProcessMemory[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if (!/(^|\/)workerd$/.test(argv0) || !descendsFrom(pid, ancestor)) continue;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      found.push({ pid, hwm: kib(status, 'VmHWM'), rss: kib(status, 'VmRSS') });
    } catch {
      // The process ended between readdir and read: not ours to measure.
    }
  }
  return found;
}
