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

/** What a re-read of the object says about a write of unknown outcome. */
export type WriteVerdict = 'applied' | 'not-applied' | 'undetermined';

/** The object as the cluster answered when re-read. */
export interface ObservedObject {
  resourceVersion: string;
  /** The route (or replicas) the write was about, in the intended's shape; undefined when gone. */
  state: unknown;
  /** `metadata.managedFields`, if the cluster keeps them. */
  managedFields?: Array<{ manager?: string; time?: string }>;
}

/**
 * Decides whether a write that got no answer was applied, from the object
 * as read once the cluster answers again. Sound by construction of the
 * write: its JSON Patch is conditional (a `test` op) on the resourceVersion
 * read before it, so
 * - the same resourceVersion as before means it was NOT applied (any write,
 *   ours included, moves the resourceVersion);
 * - a moved resourceVersion with the intended state means applied, unless
 *   the managed fields show that the plugin's field manager has not written
 *   the object since before the write was sent (someone else made it so);
 * - a moved resourceVersion with another state: not applied if the plugin's
 *   field manager has not written since before the write, otherwise it
 *   cannot be told (applied then changed again, or another plugin write).
 *
 * The caller must re-read before trusting `not-applied` on a first read: a
 * write still queued in a just-resumed API server could land in between.
 */
export function decideWriteOutcome(args: {
  /** e.g. `VirtualService ns/web route primary`. */
  what: string;
  resourceVersionBefore?: string;
  intended: unknown;
  /** Undefined: the object no longer exists. */
  observed?: ObservedObject;
  same: (a: unknown, b: unknown) => boolean;
  describe: (state: unknown) => string;
  /** The plugin's field manager. */
  fieldManager: string;
  /** No write of this action can have been applied before this time. */
  sentAfter: Date;
}): { verdict: WriteVerdict; message: string } {
  const { what, observed, intended, same, describe } = args;
  if (!observed) {
    return {
      verdict: 'undetermined',
      message: `Not confirmed: ${what} no longer exists, so whether the change was applied before it was removed cannot be told.`,
    };
  }
  const { resourceVersion } = observed;
  if (!args.resourceVersionBefore) {
    return {
      verdict: 'undetermined',
      message: `Not confirmed: the record does not say which version of ${what} the change was made on; it is now ${describe(
        observed.state,
      )} (resourceVersion ${resourceVersion}).`,
    };
  }
  if (resourceVersion === args.resourceVersionBefore) {
    return {
      verdict: 'not-applied',
      message: `Not applied: when the cluster answered again, ${what} was still at resourceVersion ${resourceVersion}, the version the change was conditional on (applying it would have moved it); it is ${describe(
        observed.state,
      )}.`,
    };
  }
  const ours = lastWriteBy(observed.managedFields, args.fieldManager);
  // managedFields times have whole seconds: compare on whole seconds.
  const sentAfterSecond = Math.floor(args.sentAfter.getTime() / 1000) * 1000;
  const notOursSince =
    observed.managedFields !== undefined &&
    (ours === undefined || ours < sentAfterSecond);
  const others = otherManagers(observed.managedFields, args.fieldManager);
  if (observed.state !== undefined && same(observed.state, intended)) {
    if (notOursSince) {
      return {
        verdict: 'not-applied',
        message: `Not applied by this action: ${what} has the intended split ${describe(
          intended,
        )} (resourceVersion ${resourceVersion}), but this plugin has not written it since before the change was sent${
          others ? `; it was written by ${others}` : ''
        }.`,
      };
    }
    return {
      verdict: 'applied',
      message: `Applied: when the cluster answered again, ${what} had the intended ${describe(
        intended,
      )} at resourceVersion ${resourceVersion}${
        ours !== undefined
          ? `, written by this plugin at ${new Date(ours).toISOString()}`
          : ''
      }.`,
    };
  }
  if (notOursSince) {
    return {
      verdict: 'not-applied',
      message: `Not applied: ${what} changed since (now ${describe(
        observed.state,
      )}, resourceVersion ${resourceVersion}${
        others ? `, written by ${others}` : ''
      }), and this plugin has not written it since before the change was sent.`,
    };
  }
  return {
    verdict: 'undetermined',
    message: `Not confirmed: ${what} changed since the change was sent and is now ${describe(
      observed.state,
    )} (resourceVersion ${resourceVersion}), not the intended ${describe(
      intended,
    )}; ${
      ours !== undefined
        ? `this plugin wrote it at ${new Date(
            ours,
          ).toISOString()}, so the change may have been applied and changed again since`
        : 'the cluster keeps no field-manager record to tell who changed it'
    }. Check the route's history.`,
  };
}

function lastWriteBy(
  managedFields: ObservedObject['managedFields'],
  manager: string,
): number | undefined {
  const times = (managedFields ?? [])
    .filter(f => f.manager === manager && f.time)
    .map(f => Date.parse(f.time!))
    .filter(t => !Number.isNaN(t));
  return times.length ? Math.max(...times) : undefined;
}

function otherManagers(
  managedFields: ObservedObject['managedFields'],
  manager: string,
): string | undefined {
  const names = Array.from(
    new Set(
      (managedFields ?? [])
        .map(f => f.manager)
        .filter((m): m is string => !!m && m !== manager),
    ),
  );
  return names.length ? names.join(', ') : undefined;
}
