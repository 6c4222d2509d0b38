/*
 * Copyright 2026 The Istio Rollouts for Backstage Authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

import { applyJsonPatch } from '../write/__testUtils__/applyJsonPatch';
import { jsonEqual } from '../write/patchBuilder';
import {
  blueGreenHealthy,
  blueGreenPaused,
  blueGreenSwitched,
  canaryAborted,
  canaryHealthy,
  canaryInconclusive,
  canaryPausedAtStep,
  canaryRunningAnalysis,
  canaryUserPausedAtStep,
  canaryUserPausedMidStep,
} from './__fixtures__/rollouts';
import {
  RolloutAction,
  RolloutActionPlan,
  RolloutActionResult,
  RolloutPatchRequest,
  buildPromote,
  buildRolloutAction,
} from './rolloutActions';

// Each plan is checked against what Argo's plugin does, on a small model of
// the API server: a write to /status keeps only the status of the patched
// object, a write to the Rollout keeps everything but the status (CRD status
// subresource), and every write bumps resourceVersion (and generation, when
// the spec changed). The plugin's merge patches are written out here by hand
// from pkg/kubectl-argo-rollouts/cmd (getPatches in promote.go, abort.go,
// retry.go, pause.go), applied with RFC 7386, status first as it does.

type Obj = Record<string, any>;

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return structuredClone(patch);
  }
  const out: Obj =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? structuredClone(target as Obj)
      : {};
  for (const [key, value] of Object.entries(patch as Obj)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

function store(before: Obj, patched: Obj, subresource: 'status' | undefined) {
  const after: Obj =
    subresource === 'status'
      ? { ...structuredClone(before), status: patched.status }
      : { ...patched, status: structuredClone(before.status) };
  if (after.status === undefined) delete after.status;
  after.metadata.resourceVersion = String(
    Number(before.metadata.resourceVersion) + 1,
  );
  if (!jsonEqual(before.spec, after.spec)) {
    after.metadata.generation = before.metadata.generation + 1;
  }
  return after;
}

/** Sends our requests, in order, to the model API server. */
function sendOurs(rollout: Obj, requests: RolloutPatchRequest[]): Obj {
  return requests.reduce(
    (obj, r) => store(obj, applyJsonPatch(obj, r.patch), r.subresource),
    rollout,
  );
}

/** What the plugin's writes leave: its status patch first, then its spec patch. */
function sendArgos(rollout: Obj, status?: string, spec?: string): Obj {
  let obj = rollout;
  if (status) {
    obj = store(obj, mergePatch(obj, JSON.parse(status)) as Obj, 'status');
  }
  if (spec) {
    obj = store(obj, mergePatch(obj, JSON.parse(spec)) as Obj, undefined);
  }
  return obj;
}

function planOf(result: RolloutActionResult): RolloutActionPlan {
  if (!result.ok) throw new Error(`refused: ${result.message}`);
  return result;
}

describe('Rollout actions match the kubectl plugin', () => {
  // [case, fixture, action, plugin's status patch, plugin's spec patch]
  const cases: Array<[string, () => Obj, RolloutAction, string?, string?]> = [
    [
      'promote a canary paused by a pause step',
      canaryPausedAtStep,
      'promote',
      '{"status":{"pauseConditions":null}}',
    ],
    [
      'promote a canary in the middle of its analysis step',
      canaryRunningAnalysis,
      'promote',
      '{"status":{"pauseConditions":null, "currentStepIndex":4}}',
    ],
    [
      'promote a canary paused by an inconclusive analysis',
      canaryInconclusive,
      'promote',
      '{"status":{"pauseConditions":null, "controllerPause":false, "currentStepIndex":4}}',
    ],
    [
      'promote a canary paused by a user at a pause step',
      canaryUserPausedAtStep,
      'promote',
      '{"status":{"pauseConditions":null}}',
      '{"spec":{"paused":false}}',
    ],
    [
      'promote a canary paused by a user between steps',
      canaryUserPausedMidStep,
      'promote',
      '{"status":{"pauseConditions":null, "currentStepIndex":3}}',
      '{"spec":{"paused":false}}',
    ],
    [
      'promote a blue-green rollout waiting before the switch',
      blueGreenPaused,
      'promote',
      '{"status":{"pauseConditions":null}}',
    ],
    [
      'promote --full a paused canary',
      canaryPausedAtStep,
      'promote-full',
      '{"status":{"promoteFull":true}}',
    ],
    [
      'promote --full a canary paused by a user',
      canaryUserPausedAtStep,
      'promote-full',
      '{"status":{"promoteFull":true}}',
      '{"spec":{"paused":false}}',
    ],
    [
      'promote --full a blue-green rollout',
      blueGreenPaused,
      'promote-full',
      '{"status":{"promoteFull":true}}',
    ],
    [
      'promote --full a blue-green rollout in post-promotion analysis',
      blueGreenSwitched,
      'promote-full',
      '{"status":{"promoteFull":true}}',
    ],
    [
      'abort a canary',
      canaryRunningAnalysis,
      'abort',
      '{"status":{"abort":true}}',
    ],
    [
      'abort a blue-green rollout',
      blueGreenPaused,
      'abort',
      '{"status":{"abort":true}}',
    ],
    [
      'retry an aborted canary',
      canaryAborted,
      'retry',
      '{"status":{"abort":false}}',
    ],
    [
      'pause a canary',
      canaryRunningAnalysis,
      'pause',
      undefined,
      '{"spec":{"paused":true}}',
    ],
    [
      'pause a healthy rollout (holds the next update)',
      canaryHealthy,
      'pause',
      undefined,
      '{"spec":{"paused":true}}',
    ],
    [
      'resume a canary paused by a user',
      canaryUserPausedMidStep,
      'resume',
      undefined,
      '{"spec":{"paused":false}}',
    ],
  ];
  // Padded: jest hands a `done` callback to a row's missing parameters.
  it.each(cases.map(([a, b, c, d, e]) => [a, b, c, d, e] as const))(
    '%s',
    (_, fixture, action, argoStatus, argoSpec) => {
      const rollout = fixture();
      const result = planOf(buildRolloutAction(action, rollout));

      // Same targets, in the same order, as the plugin.
      expect(result.requests.map(r => r.subresource)).toEqual(
        [argoStatus && 'status', argoSpec && 'spec']
          .filter(Boolean)
          .map(t => (t === 'status' ? 'status' : undefined)),
      );
      expect(result.requests.map(r => r.argoMergePatch)).toEqual(
        [argoStatus, argoSpec]
          .filter((p): p is string => p !== undefined)
          .map(p => JSON.parse(p)),
      );

      // The first write is pinned to the resourceVersion that was read.
      expect(result.requests[0].patch[0]).toEqual({
        op: 'test',
        path: '/metadata/resourceVersion',
        value: rollout.metadata.resourceVersion,
      });

      // The stored object is the one the plugin's writes leave.
      const ours = sendOurs(rollout, result.requests);
      expect(ours).toEqual(sendArgos(rollout, argoStatus, argoSpec));

      // `resulting` is the object before the server's own bookkeeping.
      const { metadata: _m, ...resulting } = result.resulting as Obj;
      const { metadata: _o, ...stored } = ours;
      expect(resulting).toEqual(stored);
      // The input is left alone.
      expect(rollout).toEqual(fixture());
    },
  );

  it('writes the exact operations for a promote of a user-paused canary', () => {
    const result = planOf(buildPromote(canaryUserPausedMidStep()));
    expect(result.requests).toEqual([
      {
        subresource: 'status',
        patch: [
          { op: 'test', path: '/metadata/resourceVersion', value: '48290' },
          { op: 'replace', path: '/status/currentStepIndex', value: 3 },
        ],
        argoMergePatch: {
          status: { pauseConditions: null, currentStepIndex: 3 },
        },
      },
      {
        subresource: undefined,
        patch: [
          { op: 'test', path: '/metadata/uid', value: '0b4c2a6e-reviews' },
          { op: 'test', path: '/metadata/generation', value: 8 },
          { op: 'replace', path: '/spec/paused', value: false },
        ],
        argoMergePatch: { spec: { paused: false } },
      },
    ]);
    expect(result.description).toBe(
      'Promote reviews: skips step 3 of 6 and unpauses it.',
    );
  });

  it('writes the exact operations for an inconclusive canary', () => {
    const result = planOf(buildPromote(canaryInconclusive()));
    expect(result.requests[0].patch).toEqual([
      { op: 'test', path: '/metadata/resourceVersion', value: '48402' },
      { op: 'remove', path: '/status/pauseConditions' },
      { op: 'replace', path: '/status/controllerPause', value: false },
      { op: 'replace', path: '/status/currentStepIndex', value: 4 },
    ]);
  });

  it('adds members the status does not have yet (retry keeps abort: false)', () => {
    const rollout = canaryRunningAnalysis();
    const promoteFull = planOf(buildRolloutAction('promote-full', rollout));
    expect(promoteFull.requests[0].patch[1]).toEqual({
      op: 'add',
      path: '/status/promoteFull',
      value: true,
    });
    const retried = sendOurs(
      canaryAborted(),
      planOf(buildRolloutAction('retry', canaryAborted())).requests,
    );
    expect(retried.status.abort).toBe(false);
    // The controller, not the retry, clears abortedAt.
    expect(retried.status.abortedAt).toBe('2026-03-02T10:33:51Z');
  });

  it('treats an absent currentStepIndex as step 0, as Argo does', () => {
    const rollout = canaryRunningAnalysis();
    delete rollout.status.currentStepIndex;
    delete rollout.status.canary.currentStepAnalysisRunStatus;
    const result = planOf(buildPromote(rollout));
    expect(sendOurs(rollout, result.requests)).toEqual(
      sendArgos(
        rollout,
        '{"status":{"pauseConditions":null,"currentStepIndex":1}}',
      ),
    );
  });

  it('unpauses a blue-green rollout paused only by a user', () => {
    const rollout = blueGreenSwitched();
    rollout.spec.paused = true;
    const result = planOf(buildPromote(rollout));
    expect(result.requests.map(r => r.subresource)).toEqual([undefined]);
    expect(sendOurs(rollout, result.requests)).toEqual(
      sendArgos(rollout, undefined, '{"spec":{"paused":false}}'),
    );
  });

  it('unpauses a canary without steps, and fully promotes it', () => {
    const rollout = canaryRunningAnalysis();
    delete rollout.spec.strategy.canary.steps;
    rollout.spec.paused = true;
    const promote = planOf(buildPromote(rollout));
    expect(sendOurs(rollout, promote.requests)).toEqual(
      sendArgos(rollout, undefined, '{"spec":{"paused":false}}'),
    );
    delete rollout.spec.paused;
    expect(buildPromote(rollout)).toEqual({
      ok: false,
      status: 409,
      message:
        'Rollout reviews has no canary steps and is not paused; use a full promotion.',
    });
    expect(buildRolloutAction('promote-full', rollout).ok).toBe(true);
  });
});

describe('preconditions', () => {
  it('fails on a Rollout changed since it was read', () => {
    const rollout = canaryPausedAtStep();
    const result = planOf(buildPromote(rollout));
    const moved = { ...rollout, metadata: { ...rollout.metadata } };
    moved.metadata.resourceVersion = '48214';
    expect(() => applyJsonPatch(moved, result.requests[0].patch)).toThrow(
      /test failed at \/metadata\/resourceVersion/,
    );
  });

  it('lets the second write through a status change, not a spec change', () => {
    const rollout = canaryUserPausedAtStep();
    const [status, spec] = planOf(buildPromote(rollout)).requests;
    const afterStatus = store(
      rollout,
      applyJsonPatch(rollout, status.patch),
      'status',
    );
    // The controller writes status in between: the spec write still applies.
    const controllerWrote = store(
      afterStatus,
      {
        ...afterStatus,
        status: { ...afterStatus.status, phase: 'Progressing' },
      },
      'status',
    );
    expect(() => applyJsonPatch(controllerWrote, spec.patch)).not.toThrow();
    // Someone changed the spec in between: refused.
    const edited = store(
      afterStatus,
      {
        ...afterStatus,
        spec: { ...afterStatus.spec, replicas: 7 },
      },
      undefined,
    );
    expect(() => applyJsonPatch(edited, spec.patch)).toThrow(
      /test failed at \/metadata\/generation/,
    );
  });
});

describe('refusals', () => {
  it.each<[string, () => Obj, RolloutAction, 409 | 422, RegExp]>([
    [
      'promote an aborted rollout',
      canaryAborted,
      'promote',
      409,
      /is aborted; retry it/,
    ],
    [
      'promote --full an aborted rollout',
      canaryAborted,
      'promote-full',
      409,
      /is aborted/,
    ],
    [
      'promote a fully promoted canary',
      canaryHealthy,
      'promote',
      409,
      /is fully promoted/,
    ],
    [
      'promote a fully promoted blue-green',
      blueGreenHealthy,
      'promote',
      409,
      /is fully promoted/,
    ],
    [
      'promote --full a fully promoted rollout',
      canaryHealthy,
      'promote-full',
      409,
      /is fully promoted/,
    ],
    [
      'promote a blue-green rollout after the switch',
      blueGreenSwitched,
      'promote',
      409,
      /blue-green rollout is promoted while it waits before the switch/,
    ],
    [
      'abort an aborted rollout',
      canaryAborted,
      'abort',
      409,
      /already aborted/,
    ],
    [
      'abort a healthy rollout',
      canaryHealthy,
      'abort',
      409,
      /no update in progress/,
    ],
    [
      'retry a rollout that is not aborted',
      canaryPausedAtStep,
      'retry',
      409,
      /is not aborted/,
    ],
    [
      'pause a paused rollout',
      canaryUserPausedAtStep,
      'pause',
      409,
      /already paused/,
    ],
    [
      'resume a rollout paused by its pause step',
      canaryPausedAtStep,
      'resume',
      409,
      /paused by its controller \(CanaryPauseStep\), not by a user; promote it/,
    ],
    [
      'resume a running rollout',
      canaryRunningAnalysis,
      'resume',
      409,
      /is not paused/,
    ],
  ])('%s', (_, fixture, action, status, message) => {
    const result = buildRolloutAction(action, fixture());
    expect(result).toMatchObject({ ok: false, status });
    expect(!result.ok && result.message).toMatch(message);
  });

  it('refuses a second promote the controller has not acted on yet', () => {
    // What canaryPausedAtStep looks like right after a promote.
    const rollout = canaryPausedAtStep();
    delete rollout.status.pauseConditions;
    expect(buildPromote(rollout)).toMatchObject({
      ok: false,
      status: 409,
      message: expect.stringMatching(/already being promoted/),
    });
  });

  it('refuses a promote at the end of the steps, before the version is stable', () => {
    const rollout = canaryRunningAnalysis();
    rollout.status.currentStepIndex = 6;
    delete rollout.status.canary.currentStepAnalysisRunStatus;
    expect(buildPromote(rollout)).toMatchObject({
      ok: false,
      status: 409,
      message: expect.stringMatching(/has done all its 6 steps/),
    });
  });

  it('refuses a second full promotion', () => {
    const rollout = canaryRunningAnalysis();
    rollout.status.promoteFull = true;
    expect(buildRolloutAction('promote-full', rollout)).toMatchObject({
      ok: false,
      status: 409,
      message: expect.stringMatching(/already being fully promoted/),
    });
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 'reviews', /not an object/],
    [
      'another kind',
      { ...canaryPausedAtStep(), kind: 'Deployment' },
      /got a Deployment/,
    ],
    [
      'no resourceVersion (a manifest, not a live object)',
      (() => {
        const r = canaryPausedAtStep();
        delete r.metadata.resourceVersion;
        return r;
      })(),
      /no metadata.resourceVersion/,
    ],
    [
      'no strategy',
      (() => {
        const r = canaryPausedAtStep();
        r.spec.strategy = {};
        return r;
      })(),
      /neither a canary nor a blueGreen strategy/,
    ],
  ])('422 for %s', (_, rollout, message) => {
    const result = buildPromote(rollout);
    expect(result).toMatchObject({ ok: false, status: 422 });
    expect(!result.ok && result.message).toMatch(message);
  });

  it('422 when a second write has nothing to be guarded by', () => {
    const rollout = canaryUserPausedAtStep();
    delete rollout.metadata.generation;
    expect(buildPromote(rollout)).toMatchObject({ ok: false, status: 422 });
  });
});
