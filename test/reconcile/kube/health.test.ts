/**
 * Source health: error codes of failed LISTs and WATCHes, one store error at a time and only
 * on change, and the wrapped target and Watch against the fake API server.
 */
import { strict as assert } from 'node:assert';
import { ApiException } from '@kubernetes/client-node';
import type { BgpdError } from '../../../src/lib/errors.js';
import { silentLogger } from '../../../src/lib/log.js';
import { customResource } from '../../../src/reconcile/kube/client.js';
import {
  apiError,
  KubeSourceError,
  ObservedWatch,
  observedTarget,
  SourceHealth,
  type HealthSink,
  type Step,
} from '../../../src/reconcile/kube/health.js';
import { waitFor } from '../../helpers/wait.js';
import { peer, peersRef, useHarness } from './harness.js';

const http = (code: number): ApiException<string> => new ApiException(code, 'HTTP error', '{}', {});

describe('reconcile/kube health', () => {
  describe('apiError', () => {
    const cases: [unknown, string, number | undefined][] = [
      [new Error('connect ECONNREFUSED'), 'BGPD_ERR_KUBE_UNREACHABLE', undefined],
      [http(403), 'BGPD_ERR_KUBE_FORBIDDEN', 403],
      [http(401), 'BGPD_ERR_KUBE_FORBIDDEN', 401],
      [http(404), 'BGPD_ERR_KUBE_NOT_SERVED', 404],
      [http(500), 'BGPD_ERR_KUBE_API', 500],
      [Object.assign(new Error('Too Many Requests'), { statusCode: 429 }), 'BGPD_ERR_KUBE_API', 429],
    ];
    for (const [err, code, status] of cases) {
      it(`${code} ${String(status)}`, () => {
        const e = apiError('bgppeers', 'list', err);
        assert.ok(e instanceof KubeSourceError);
        assert.equal(e.code, code);
        assert.equal(e.status, status);
        assert.equal(e.resource, 'bgppeers');
        assert.equal(e.cause, err);
        assert.match(e.message, /bgppeers/);
      });
    }
  });

  describe('SourceHealth', () => {
    function health(): { h: SourceHealth; set: (string | undefined)[] } {
      const set: (string | undefined)[] = [];
      const writer = {
        setError(e: BgpdError | undefined) {
          set.push(e === undefined ? undefined : `${e.code} ${'resource' in e ? String(e.resource) : '?'}`);
        },
      };
      return { h: new SourceHealth(writer, silentLogger), set };
    }
    const down = new Error('connect ECONNREFUSED');

    it('reports the oldest problem, once, and clears when all answer', () => {
      const { h, set } = health();
      h.failed('bgppeers', 'list', down);
      h.failed('bgppeers', 'watch', new Error('socket hang up'));
      h.failed('nodes', 'watch', http(500));
      assert.deepEqual(set, ['BGPD_ERR_KUBE_UNREACHABLE bgppeers']);
      h.answered('bgppeers');
      assert.deepEqual(set, ['BGPD_ERR_KUBE_UNREACHABLE bgppeers', 'BGPD_ERR_KUBE_API nodes']);
      h.answered('vpninstances');
      h.answered('nodes');
      assert.equal(set.length, 3);
      assert.equal(set[2], undefined);
      assert.equal(h.error, undefined);
    });

    it('ignores our own aborts, and everything after close()', () => {
      const { h, set } = health();
      const abort = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
      h.failed('bgppeers', 'watch', abort);
      assert.deepEqual(set, []);
      h.close();
      h.failed('bgppeers', 'list', down);
      assert.deepEqual(set, []);
    });
  });

  describe('against the fake API server', () => {
    const h = useHarness();

    function recorder(): { sink: HealthSink; log: string[] } {
      const log: string[] = [];
      const sink: HealthSink = {
        answered: (r) => log.push(`ok ${r}`),
        failed: (r: string, step: Step, err: unknown) =>
          log.push(`${step} ${r} ${apiError(r, step, err).code}`),
      };
      return { sink, log };
    }

    it('reports LIST answers and failures; a 410 is an answer; aborted lists say nothing', async () => {
      const { sink, log } = recorder();
      const t = observedTarget(customResource(h.clients, peersRef), sink);
      await t.list({}, new AbortController().signal);
      h.fake.failNext(1, 500);
      await assert.rejects(t.list({}, new AbortController().signal));
      h.fake.failNext(1, 410);
      await assert.rejects(t.list({}, new AbortController().signal));
      const ctl = new AbortController();
      ctl.abort();
      await assert.rejects(t.list({}, ctl.signal));
      assert.deepEqual(log, ['ok bgppeers', 'list bgppeers BGPD_ERR_KUBE_API', 'ok bgppeers']);
    });

    it('reports whether each WATCH got its response, not how an established one ends', async () => {
      h.fake.upsert(peer('p1'));
      const { sink, log } = recorder();
      const w = new ObservedWatch(h.clients.watch, 'bgppeers', sink);
      const events: string[] = [];
      const ends: unknown[] = [];
      const ctl = await w.watch(
        '/apis/bagpipe.io/v1alpha1/bgppeers',
        {},
        (type) => events.push(type),
        (err) => ends.push(err),
      );
      await waitFor(() => events.length === 1);
      assert.deepEqual(log, ['ok bgppeers']);
      h.fake.dropWatches();
      await waitFor(() => ends.length === 1);
      ctl.abort();
      await h.fake.goDown();
      await w.watch(
        '/apis/bagpipe.io/v1alpha1/bgppeers',
        {},
        () => undefined,
        (err) => ends.push(err),
      );
      assert.equal(ends.length, 2);
      assert.deepEqual(log, ['ok bgppeers', 'watch bgppeers BGPD_ERR_KUBE_UNREACHABLE']);
    });
  });
});
