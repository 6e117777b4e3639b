// The review's workflow ID: IDs as they always were when neither part holds `-` or `~`, and no two
// (trigger, phase) pairs ever share one.
import fc from 'fast-check';
import { reviewWorkflowId } from '../../workflows/contract';

it('keeps review-<trigger>-<phase> for IDs without - or ~', () => {
  expect(reviewWorkflowId('rpt_3fA9', 'rp_prod')).toBe('review-rpt_3fA9-rp_prod');
});

it('tells (a-b, c) from (a, b-c), escaping - and ~ with ~', () => {
  expect(reviewWorkflowId('a-b', 'c')).toBe('review-a~-b-c');
  expect(reviewWorkflowId('a', 'b-c')).toBe('review-a-b~-c');
  expect(reviewWorkflowId('a~', 'b')).toBe('review-a~~-b');
  expect(reviewWorkflowId('a', '~-b')).toBe('review-a-~~~-b');
});

it('gives every pair of printable IDs its own workflow ID', () => {
  // Statsig IDs as the receiver accepts them: printable ASCII without spaces, rich in - and ~.
  const id = fc.stringMatching(/^[\x21-\x7e]{1,6}$/).map((text) => text.replace(/[a-m]/g, '-'));
  fc.assert(
    fc.property(id, id, id, id, (t1, p1, t2, p2) => {
      fc.pre(t1 !== t2 || p1 !== p2);
      return reviewWorkflowId(t1, p1) !== reviewWorkflowId(t2, p2);
    }),
    { numRuns: 2000 },
  );
});
