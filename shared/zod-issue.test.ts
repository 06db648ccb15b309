import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssues, issueField } from './zod-issue.js';

const Schema = z.object({ slices: z.array(z.object({ width: z.number() })), name: z.string() }).strict();

function issues(value: unknown) {
  const parsed = Schema.safeParse(value);
  if (parsed.success) throw new Error('expected a failure');
  return parsed.error;
}

describe('issueField', () => {
  it('writes indices in brackets and keys with dots', () => {
    expect(issueField(issues({ slices: [{ width: 1 }, { width: 'x' }], name: 'n' }).issues[0]!)).toBe('slices[1].width');
  });
  it('names the first unknown key of a strict object, and the root as empty', () => {
    expect(issueField(issues({ slices: [], name: 'n', extra: 1, more: 2 }).issues[0]!)).toBe('extra');
    expect(issueField(z.number().safeParse('x').error!.issues[0]!)).toBe('');
  });
});

describe('describeIssues', () => {
  it('lists every issue as field: message', () => {
    const text = describeIssues(issues({ slices: [{ width: 'x' }] }));
    expect(text).toMatch(/^slices\[0\]\.width: .+; name: .+$/);
    expect(describeIssues(z.number().safeParse('x').error!)).toMatch(/^root: /);
  });
});
