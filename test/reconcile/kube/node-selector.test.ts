/** selectNode: metav1.LabelSelector semantics against this Node's labels. */
import { strict as assert } from 'node:assert';
import { selectNode } from '../../../src/reconcile/kube/node-selector.js';

describe('reconcile/kube selectNode', () => {
  const labels = { rack: 'r1', zone: 'a', gpu: '' };
  const expr = (key: string, operator: string, values?: string[]): object => ({
    matchExpressions: [{ key, operator, ...(values === undefined ? {} : { values }) }],
  });

  const cases: [string, unknown, 'selected' | 'not-selected'][] = [
    ['absent selector', undefined, 'selected'],
    ['empty selector', {}, 'selected'],
    ['empty lists', { matchLabels: {}, matchExpressions: [] }, 'selected'],
    ['matchLabels hit', { matchLabels: { rack: 'r1', zone: 'a' } }, 'selected'],
    ['matchLabels miss', { matchLabels: { rack: 'r1', zone: 'b' } }, 'not-selected'],
    ['matchLabels empty value', { matchLabels: { gpu: '' } }, 'selected'],
    ['In hit', expr('rack', 'In', ['r0', 'r1']), 'selected'],
    ['In miss', expr('rack', 'In', ['r2']), 'not-selected'],
    ['In absent key', expr('nope', 'In', ['x']), 'not-selected'],
    ['NotIn hit', expr('rack', 'NotIn', ['r1']), 'not-selected'],
    ['NotIn absent key', expr('nope', 'NotIn', ['x']), 'selected'],
    ['Exists', expr('gpu', 'Exists'), 'selected'],
    ['Exists absent', expr('nope', 'Exists'), 'not-selected'],
    ['DoesNotExist', expr('nope', 'DoesNotExist', []), 'selected'],
    ['DoesNotExist present', expr('rack', 'DoesNotExist'), 'not-selected'],
    ['inherited keys are no labels', expr('constructor', 'Exists'), 'not-selected'],
    [
      'labels and expressions AND',
      { matchLabels: { rack: 'r1' }, ...expr('zone', 'NotIn', ['a']) },
      'not-selected',
    ],
  ];
  for (const [what, sel, want] of cases) {
    it(what, () => {
      assert.equal(selectNode(sel, labels), want);
    });
  }

  it('is unknown without labels, unless nothing is required', () => {
    assert.equal(selectNode({ matchLabels: { rack: 'r1' } }, undefined), 'unknown');
    assert.equal(selectNode({}, undefined), 'selected');
    assert.equal(selectNode(undefined, undefined), 'selected');
  });

  it('reports requirements the API machinery refuses, by path', () => {
    const s = selectNode(
      {
        matchExpressions: [
          { key: 'a', operator: 'In', values: [] },
          { key: 'b', operator: 'Exists' },
          { key: 'c', operator: 'Exists', values: ['x'] },
          { key: 'd', operator: 'NotIn' },
        ],
      },
      labels,
    );
    assert.ok(typeof s === 'object');
    assert.deepEqual(
      s.issues.map((i) => [i.code, i.path]),
      [
        ['BGPD_ERR_SPEC_INVALID', '/spec/nodeSelector/matchExpressions/0/values'],
        ['BGPD_ERR_SPEC_INVALID', '/spec/nodeSelector/matchExpressions/2/values'],
        ['BGPD_ERR_SPEC_INVALID', '/spec/nodeSelector/matchExpressions/3/values'],
      ],
    );
  });

  it('leaves a malformed selector to admit (selected, so it is reported)', () => {
    for (const sel of [
      'rack=r1',
      { matchLabels: { rack: 1 } },
      { matchLabels: [] },
      { matchExpressions: {} },
      { matchExpressions: [{ key: 'rack', operator: 'Is', values: ['r1'] }] },
      { matchExpressions: [{ key: 'rack', operator: 'In', values: 'r1' }] },
      { matchExpressions: [null] },
    ]) {
      assert.equal(selectNode(sel, labels), 'selected', JSON.stringify(sel));
    }
  });
});
