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

import { asString, dig, isRecord } from '../kube/guards';
import { PatchBuilder, cloneJson } from '../write/patchBuilder';
import { JsonPatchOperation } from '../write/types';
import {
  readPauseConditions,
  readStepIndex,
  readStrategy,
} from './rolloutProgress';

// The writes behind the Argo Rollouts actions of the tab, built the way
// Argo Rollouts' kubectl plugin builds them (pkg/kubectl-argo-rollouts/cmd/
// promote, abort, retry, pause), as RFC 6902 JSON Patches guarded by a
// precondition. Nothing here does I/O: the backend GETs the Rollout, calls
// a builder, and sends the requests in order.
//
// The plugin sends JSON *merge* patches (RFC 7386) without any
// precondition. Each of our requests produces the same stored object as the
// plugin's merge patch would (`argoMergePatch` keeps that patch for the
// audit and the tests), and adds a `test` first so that a Rollout changed
// since it was read is refused by the API server (422 from a failed test)
// instead of being promoted past a step nobody looked at.
//
// Since v0.10 a Rollout's status is a subresource: a PATCH of the Rollout
// itself drops status changes, and a PATCH of /status drops everything but
// status. So the plugin writes status fields (pause conditions, step index,
// abort, promoteFull) to /status and spec.paused to the Rollout, and one
// action can take two writes; it writes status first, and so do we. (The
// plugin's fallback for pre-0.10 controllers without the subresource is
// not reproduced.)

/** What `kubectl argo rollouts` can be asked to do. @public */
export type RolloutAction =
  | 'promote'
  | 'promote-full'
  | 'abort'
  | 'retry'
  | 'pause'
  | 'resume';

/** One PATCH request, `application/json-patch+json`. @public */
export interface RolloutPatchRequest {
  /** `status`: PATCH the Rollout's status subresource; undefined: the Rollout itself. */
  subresource: 'status' | undefined;
  /** Preconditions (`test`) first, then the changes. */
  patch: JsonPatchOperation[];
  /** The merge patch Argo's plugin sends for this write, for the audit. */
  argoMergePatch: Record<string, unknown>;
}

/** @public */
export interface RolloutActionPlan {
  ok: true;
  action: RolloutAction;
  /**
   * The writes, to send in order and to stop at the first failure. One in
   * most cases; two when a promote must both clear the controller's pause
   * (status) and a user's pause (spec).
   */
  requests: RolloutPatchRequest[];
  /** What the action does, for the confirmation dialog and the audit. */
  description: string;
  /**
   * The Rollout as stored after every request, before the controller
   * reacts (it then moves steps, sets abortedAt, and so on).
   */
  resulting: unknown;
}

/**
 * Why no plan was made: 409 the Rollout's state makes the action
 * meaningless (or harmful, like promoting twice); 422 the object is not a
 * Rollout that can be patched safely.
 *
 * @public
 */
export interface RolloutActionRefusal {
  ok: false;
  status: 409 | 422;
  message: string;
}

/** @public */
export type RolloutActionResult = RolloutActionPlan | RolloutActionRefusal;

function refuse(status: 409 | 422, message: string): RolloutActionRefusal {
  return { ok: false, status, message };
}

/** A merge-patch body for one stanza: null deletes a member, as in RFC 7386. */
type StanzaChanges = Record<string, unknown>;

interface Write {
  stanza: 'spec' | 'status';
  changes: StanzaChanges;
}

interface Checked {
  rollout: Record<string, unknown>;
  name: string;
  resourceVersion: string;
}

function check(rollout: unknown): Checked | RolloutActionRefusal {
  if (!isRecord(rollout)) {
    return refuse(422, 'The Rollout is not an object.');
  }
  const kind = dig(rollout, 'kind');
  if (kind !== undefined && kind !== 'Rollout') {
    return refuse(422, `Expected a Rollout, got a ${String(kind)}.`);
  }
  const name = asString(dig(rollout, 'metadata', 'name')) ?? '(unnamed)';
  const resourceVersion = asString(dig(rollout, 'metadata', 'resourceVersion'));
  if (!resourceVersion) {
    // Without it the write could not be tied to the state the user saw.
    return refuse(
      422,
      `Rollout ${name} has no metadata.resourceVersion; read it from the API server before acting on it.`,
    );
  }
  if (!isRecord(dig(rollout, 'spec'))) {
    return refuse(422, `Rollout ${name} has no spec.`);
  }
  const status = dig(rollout, 'status');
  if (status !== undefined && status !== null && !isRecord(status)) {
    return refuse(422, `Rollout ${name} has a status that is not an object.`);
  }
  return { rollout, name, resourceVersion };
}

// Applies one stanza's merge patch as JSON Patch operations on `builder`,
// so that the result is what RFC 7386 gives: null removes the member (and
// is a no-op when absent), anything else is set as is, a missing stanza is
// created. Only flat members are ever changed, so no deeper merging is needed.
function applyStanza(builder: PatchBuilder, write: Write): void {
  const stanza = builder.get([write.stanza]);
  if (!isRecord(stanza)) {
    const created = Object.fromEntries(
      Object.entries(write.changes).filter(([, v]) => v !== null),
    );
    if (Object.keys(created).length > 0) {
      builder.set([write.stanza], created);
    }
    return;
  }
  for (const [key, value] of Object.entries(write.changes)) {
    if (value === null) {
      builder.remove([write.stanza, key]);
    } else {
      builder.set([write.stanza, key], value);
    }
  }
}

// Builds the requests in order. The first is pinned to the resourceVersion
// the user saw. A second cannot be (the first write changes it), so it is
// pinned to the uid and metadata.generation instead: a status write leaves
// the generation alone while any spec change bumps it, so the spec write
// still only lands on the spec the user saw. Writes that change nothing
// are dropped (the plugin would send them; the stored object is the same).
function plan(
  checked: Checked,
  action: RolloutAction,
  writes: Write[],
  description: string,
  nothingToDo = `Rollout ${checked.name}: ${action} changes nothing.`,
): RolloutActionResult {
  let doc: unknown = checked.rollout;
  const requests: RolloutPatchRequest[] = [];
  for (const write of writes) {
    const builder = new PatchBuilder(doc);
    if (requests.length === 0) {
      builder.test(['metadata', 'resourceVersion'], checked.resourceVersion);
    } else {
      const uid = dig(checked.rollout, 'metadata', 'uid');
      const generation = dig(checked.rollout, 'metadata', 'generation');
      if (typeof uid !== 'string' || typeof generation !== 'number') {
        return refuse(
          422,
          `Rollout ${checked.name} has no metadata.uid or metadata.generation to guard its second write with.`,
        );
      }
      builder.test(['metadata', 'uid'], uid);
      builder.test(['metadata', 'generation'], generation);
    }
    applyStanza(builder, write);
    if (!builder.changed) {
      continue;
    }
    requests.push({
      subresource: write.stanza === 'status' ? 'status' : undefined,
      patch: builder.patch,
      argoMergePatch: { [write.stanza]: cloneJson(write.changes) },
    });
    doc = builder.doc;
  }
  if (requests.length === 0) {
    // The plugin would send a write that changes nothing (at the end of
    // the steps it sets the index it already has); refusing says so.
    return refuse(409, nothingToDo);
  }
  return { ok: true, action, requests, description, resulting: doc };
}

interface State {
  name: string;
  strategy: 'canary' | 'blueGreen' | undefined;
  steps: unknown[];
  /** status.currentStepIndex, absent counting as 0 (GetCurrentCanaryStep). */
  stepIndex: number;
  paused: boolean;
  pauseReasons: string[];
  controllerPause: boolean;
  aborted: boolean;
  promoteFull: boolean;
  stableRS: string;
  currentPodHash: string;
  stepAnalysisStatus: unknown;
}

function state(checked: Checked): State {
  const { rollout } = checked;
  const strategy = readStrategy(rollout);
  const steps = dig(rollout, 'spec', 'strategy', 'canary', 'steps');
  return {
    name: checked.name,
    strategy,
    steps: strategy === 'canary' && Array.isArray(steps) ? steps : [],
    stepIndex: readStepIndex(rollout) ?? 0,
    paused: dig(rollout, 'spec', 'paused') === true,
    pauseReasons: readPauseConditions(rollout).map(c => c.reason),
    controllerPause: dig(rollout, 'status', 'controllerPause') === true,
    aborted: dig(rollout, 'status', 'abort') === true,
    promoteFull: dig(rollout, 'status', 'promoteFull') === true,
    // The plugin compares these as Go strings, absent being "".
    stableRS: asString(dig(rollout, 'status', 'stableRS')) ?? '',
    currentPodHash: asString(dig(rollout, 'status', 'currentPodHash')) ?? '',
    stepAnalysisStatus: dig(
      rollout,
      'status',
      'canary',
      'currentStepAnalysisRunStatus',
      'status',
    ),
  };
}

function fullyPromoted(s: State): boolean {
  return s.currentPodHash !== '' && s.currentPodHash === s.stableRS;
}

function abortedRefusal(s: State, action: string): RolloutActionRefusal {
  // The controller keeps an aborted Rollout on its stable version whatever
  // else is written, so a promote would silently do nothing; Argo's own
  // dashboard disables promote on a Degraded (aborted) Rollout too.
  return refuse(
    409,
    `Rollout ${s.name} is aborted; retry it before ${action}.`,
  );
}

/**
 * `kubectl argo rollouts promote`: moves a paused or running canary to its
 * next step, or promotes a blue-green rollout paused before the switch.
 * Like the plugin, it clears the user's pause (spec.paused) too.
 *
 */
export function buildPromote(rollout: unknown): RolloutActionResult {
  const checked = check(rollout);
  if (!('rollout' in checked)) return checked;
  const s = state(checked);
  if (!s.strategy) {
    return refuse(
      422,
      `Rollout ${s.name} has neither a canary nor a blueGreen strategy.`,
    );
  }
  if (s.aborted) return abortedRefusal(s, 'promoting it');
  if (s.controllerPause && s.pauseReasons.length === 0) {
    // Argo's IsUnpausing: a promote was just written and the controller has
    // not acted on it. Promoting again would skip another step.
    return refuse(
      409,
      `Rollout ${s.name} is already being promoted; wait for the controller to act on it.`,
    );
  }
  if (fullyPromoted(s) && !s.paused && s.pauseReasons.length === 0) {
    return refuse(409, `Rollout ${s.name} is fully promoted.`);
  }

  const writes: Write[] = [];
  const hasSteps = s.strategy === 'canary' && s.steps.length > 0;
  // The next step's index; at (or past) the end the plugin keeps the index.
  const nextIndex =
    s.stepIndex < s.steps.length ? s.stepIndex + 1 : s.stepIndex;
  let what: string;
  if (
    s.strategy === 'canary' &&
    s.stepAnalysisStatus === 'Inconclusive' &&
    s.pauseReasons.length > 0 &&
    s.controllerPause
  ) {
    // An inconclusive step analysis paused the rollout: clearing the pause
    // alone would leave the step to be run again, so the plugin also drops
    // controllerPause and moves past the step. Without steps it writes
    // nothing to status.
    if (hasSteps) {
      writes.push({
        stanza: 'status',
        changes: {
          pauseConditions: null,
          controllerPause: false,
          currentStepIndex: nextIndex,
        },
      });
    }
    what = `accepts the inconclusive analysis of step ${
      s.stepIndex + 1
    } and moves on`;
  } else if (s.pauseReasons.length > 0) {
    // A pause step or a blue-green pre-promotion pause: clearing the
    // conditions is enough, the controller moves on by itself.
    writes.push({ stanza: 'status', changes: { pauseConditions: null } });
    what = `ends the pause (${s.pauseReasons.join(', ')})`;
  } else if (hasSteps) {
    // Not paused by the controller, so in the middle of a step (an
    // analysis, an experiment, waiting for replicas): skip that step.
    writes.push({
      stanza: 'status',
      changes: { pauseConditions: null, currentStepIndex: nextIndex },
    });
    what = `skips step ${s.stepIndex + 1} of ${s.steps.length}`;
  } else {
    what = '';
  }
  if (s.paused) {
    writes.push({ stanza: 'spec', changes: { paused: false } });
    what = what ? `${what} and unpauses it` : 'unpauses it';
  }

  let nothing: string;
  if (s.strategy === 'blueGreen') {
    nothing = `Rollout ${s.name} is not paused; a blue-green rollout is promoted while it waits before the switch. A full promotion skips its analysis.`;
  } else if (hasSteps) {
    nothing = `Rollout ${s.name} has done all its ${s.steps.length} steps and is not paused; the controller is making it stable.`;
  } else {
    nothing = `Rollout ${s.name} has no canary steps and is not paused; use a full promotion.`;
  }
  return plan(
    checked,
    'promote',
    writes,
    `Promote ${s.name}: ${what}.`,
    nothing,
  );
}

/**
 * `kubectl argo rollouts promote --full`: skips every remaining step,
 * pause and analysis, and makes the current version stable.
 *
 */
export function buildPromoteFull(rollout: unknown): RolloutActionResult {
  const checked = check(rollout);
  if (!('rollout' in checked)) return checked;
  const s = state(checked);
  if (s.aborted) return abortedRefusal(s, 'promoting it');
  if (s.currentPodHash === '') {
    return refuse(
      409,
      `Rollout ${s.name} has no status.currentPodHash yet; the controller has not reconciled it.`,
    );
  }
  const writes: Write[] = [];
  // Like the plugin: promoteFull only while a version is being rolled out
  // (the controller resets it once the hashes match).
  if (s.currentPodHash !== s.stableRS) {
    if (s.promoteFull && !s.paused) {
      return refuse(409, `Rollout ${s.name} is already being fully promoted.`);
    }
    writes.push({ stanza: 'status', changes: { promoteFull: true } });
  }
  if (s.paused) {
    writes.push({ stanza: 'spec', changes: { paused: false } });
  }
  if (writes.length === 0) {
    return refuse(409, `Rollout ${s.name} is fully promoted.`);
  }
  return plan(
    checked,
    'promote-full',
    writes,
    s.currentPodHash !== s.stableRS
      ? `Fully promote ${s.name}: make ${s.currentPodHash} stable now, skipping the remaining steps, pauses and analyses.`
      : `Unpause ${s.name} (it is already fully promoted).`,
  );
}

/**
 * `kubectl argo rollouts abort`: sends all traffic back to the stable
 * version and scales the canary (or preview) down. The spec keeps the new
 * version; a retry starts it again.
 *
 */
export function buildAbort(rollout: unknown): RolloutActionResult {
  const checked = check(rollout);
  if (!('rollout' in checked)) return checked;
  const s = state(checked);
  if (s.aborted) {
    return refuse(409, `Rollout ${s.name} is already aborted.`);
  }
  if (s.currentPodHash === '' || fullyPromoted(s)) {
    // Nothing is being rolled out, so there is nothing to go back from
    // (Argo's dashboard only offers abort while progressing or paused).
    return refuse(409, `Rollout ${s.name} has no update in progress to abort.`);
  }
  return plan(
    checked,
    'abort',
    [{ stanza: 'status', changes: { abort: true } }],
    `Abort ${s.name}: go back to the stable version${
      s.stableRS ? ` (${s.stableRS})` : ''
    }.`,
  );
}

/**
 * `kubectl argo rollouts retry rollout`: starts an aborted update again
 * from its first step.
 *
 */
export function buildRetry(rollout: unknown): RolloutActionResult {
  const checked = check(rollout);
  if (!('rollout' in checked)) return checked;
  const s = state(checked);
  if (!s.aborted) {
    return refuse(
      409,
      `Rollout ${s.name} is not aborted; only an aborted rollout can be retried.`,
    );
  }
  // The plugin writes `abort: false` rather than removing the member; the
  // stored object keeps the false until the controller rewrites the status.
  return plan(
    checked,
    'retry',
    [{ stanza: 'status', changes: { abort: false } }],
    `Retry ${s.name}: roll out ${
      s.currentPodHash || 'the current spec'
    } again.`,
  );
}

/**
 * `kubectl argo rollouts pause`: holds the rollout where it is until it is
 * resumed or promoted.
 *
 */
export function buildPause(rollout: unknown): RolloutActionResult {
  const checked = check(rollout);
  if (!('rollout' in checked)) return checked;
  const s = state(checked);
  if (s.paused) {
    return refuse(409, `Rollout ${s.name} is already paused.`);
  }
  return plan(
    checked,
    'pause',
    [{ stanza: 'spec', changes: { paused: true } }],
    `Pause ${s.name}.`,
  );
}

/**
 * Undoes `pause`: clears spec.paused, and nothing else. The plugin has no
 * resume command (its docs say to promote, which also ends the controller's
 * pauses and may skip a step); this is the spec half of that promote, for a
 * user who only wants to lift their own pause.
 *
 */
export function buildResume(rollout: unknown): RolloutActionResult {
  const checked = check(rollout);
  if (!('rollout' in checked)) return checked;
  const s = state(checked);
  if (!s.paused) {
    if (s.pauseReasons.length > 0) {
      return refuse(
        409,
        `Rollout ${s.name} was paused by its controller (${s.pauseReasons.join(
          ', ',
        )}), not by a user; promote it to go on.`,
      );
    }
    return refuse(409, `Rollout ${s.name} is not paused.`);
  }
  return plan(
    checked,
    'resume',
    [{ stanza: 'spec', changes: { paused: false } }],
    `Resume ${s.name}.`,
  );
}

/**
 * The builder of an action, by name.
 *
 * @public
 */
export function buildRolloutAction(
  action: RolloutAction,
  rollout: unknown,
): RolloutActionResult {
  switch (action) {
    case 'promote':
      return buildPromote(rollout);
    case 'promote-full':
      return buildPromoteFull(rollout);
    case 'abort':
      return buildAbort(rollout);
    case 'retry':
      return buildRetry(rollout);
    case 'pause':
      return buildPause(rollout);
    case 'resume':
      return buildResume(rollout);
    default:
      return refuse(422, `Unknown action ${String(action)}.`);
  }
}
