/**
 * How a zod issue is named to a caller, written once: the field path in the form clients read
 * (`slices[2].width`, `scopes[0]`), and a one-line description of every issue for startup errors.
 * Runtime-neutral.
 */
import type { z } from 'zod';

/**
 * The field an issue is about: array indices in brackets, keys joined by dots. A strict object
 * reports unknown keys at its own path, so the first unknown key is named instead. `''` for the
 * root.
 *
 * @example
 * issueField({ path: ['slices', 2, 'width'], ... }); // 'slices[2].width'
 */
export function issueField(issue: z.ZodError['issues'][number]): string {
  const path: PropertyKey[] = [...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

/**
 * Every issue as `field: message`, joined with `; ` (the root is named `root`): for config and
 * manifest errors, where the reader wants all of them at once.
 */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${issueField(i) || 'root'}: ${i.message}`).join('; ');
}
