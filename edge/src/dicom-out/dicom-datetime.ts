/** DICOM DA and TM values (PS3.5 6.2) of an instant, in UTC, to the second. */
export function dicomDateTime(ms: number): { date: string; time: string } {
  const iso = new Date(ms).toISOString(); // 2026-12-02T06:30:05.123Z
  return { date: iso.slice(0, 10).replaceAll('-', ''), time: iso.slice(11, 19).replaceAll(':', '') };
}
