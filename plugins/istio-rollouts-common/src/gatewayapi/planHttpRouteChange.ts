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

import {
  asArray,
  asNumber,
  asString,
  dig,
  isRecord,
  JsonRecord,
} from '../kube/guards';
import {
  normalizeHost,
  readDestinationRef,
  refersTo,
  refuse,
} from '../write/destinations';
import { PatchBuilder, PathSegment } from '../write/patchBuilder';
import { finishRoute } from '../write/finishRoute';
import { planSafely, readOperation } from '../write/planRouteChange';
import { readMirrorPercentage } from '../write/routeEdits';
import {
  findByIndexOrName,
  readPinnedObject,
  RouteDestination,
  RouteModel,
} from '../write/routeModel';
import {
  isTargetRouteName,
  readUserMatch,
  TARGET_ROUTE_PREFIX,
  targetRouteName,
} from '../write/targetRoute';
import {
  DestinationRef,
  PlanRouteChangeResult,
  RouteChangePlan,
  RouteChangeRefusal,
  RouteOperation,
  RouteSnapshot,
  SnapshotDestination,
} from '../write/types';
import { planWeights } from '../write/weightOperations';
import { backendHost } from './httpRouteRules';
import { readBackend } from './readHttpRoute';

// The HTTPRoute write path. The decisions are the VirtualService planner's
// own (planWeights: which version is stable, the next step, flip, rollback;
// the user-match rules; finish only at 100/0), made on the rule's
// backendRefs read as destinations; only the edits are Gateway API's:
// `backendRefs[].weight`, a RequestMirror filter, targeted rules. As for
// VirtualServices, the patch starts with `test` operations that pin the
// resourceVersion and the rule as read, and then touches only the fields it
// changes, so fields written by others survive and a concurrent writer
// makes the API server refuse the whole patch.

/** Gateway API's limits on an HTTPRoute (its CRD's validation). */
const MAX_RULES = 16;
const MAX_MATCHES = 128;

interface RuleTarget {
  namespace: string;
  name: string;
  resourceVersion: string;
  rules: unknown[];
}

interface Ctx {
  target: RuleTarget;
  route: RouteModel;
  base: PathSegment[];
  builder: PatchBuilder;
}

type Outcome =
  | ({ ok: true; shift: number } & Pick<
      RouteChangePlan,
      'addedRoute' | 'removedRoutes'
    >)
  | RouteChangeRefusal;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function describeRule(target: RuleTarget, index: number, name?: string) {
  return `HTTPRoute ${target.namespace}/${target.name}, rule ${
    name ? `'${name}'` : index
  }`;
}

function readTarget(
  raw: unknown,
): { ok: true; target: RuleTarget } | RouteChangeRefusal {
  const read = readPinnedObject(raw, 'HTTPRoute');
  if (!read.ok) return read;
  const rules = dig(raw, 'spec', 'rules');
  return {
    ok: true,
    target: { ...read.object, rules: Array.isArray(rules) ? rules : [] },
  };
}

function findRule(
  target: RuleTarget,
  route: unknown,
): { ok: true; index: number } | RouteChangeRefusal {
  return findByIndexOrName(
    target.rules,
    route,
    `HTTPRoute ${target.namespace}/${target.name}`,
    ['rule', 'rule'],
  );
}

// Gateway API weights are proportions and a missing one is 1; a lone
// backend with a weight above 0 takes everything, and weight 0 everywhere
// sends nothing (readShares refuses that with 422).
function readWeight(entry: JsonRecord): number | undefined {
  if (!('weight' in entry)) return 1;
  const weight = entry.weight;
  return typeof weight === 'number' && Number.isInteger(weight)
    ? weight
    : undefined;
}

function readRule(
  target: RuleTarget,
  index: number,
): { ok: true; route: RouteModel } | RouteChangeRefusal {
  const raw = target.rules[index];
  if (!isRecord(raw)) {
    return refuse(
      422,
      `${describeRule(
        target,
        index,
      )} is not an object; fix the HTTPRoute first`,
    );
  }
  const name = asString(raw.name);
  const where = describeRule(target, index, name);
  const entries = asArray(raw.backendRefs);
  if (entries.length === 0) {
    const redirects = asArray(raw.filters).some(
      f => asString(dig(f, 'type')) === 'RequestRedirect',
    );
    return refuse(
      409,
      `${where} ${
        redirects ? 'answers with a redirect' : 'has no backendRefs'
      }: it sends traffic to no version`,
    );
  }
  const destinations: RouteDestination[] = [];
  for (const [position, entry] of entries.entries()) {
    const backend = isRecord(entry)
      ? readBackend(entry, target.namespace)
      : undefined;
    if (!isRecord(entry) || !backend) {
      return refuse(
        422,
        `${where}: backendRef ${position} has no name; fix the HTTPRoute first`,
      );
    }
    const destination: RouteDestination = {
      host: backendHost(backend, target.namespace),
      position,
      rawDestination: entry,
      // Never "no weight": a missing one is 1, so every split can be read.
      hasWeight: true,
      rawWeight: entry.weight,
      effective: readWeight(entry),
    };
    if (backend.port !== undefined) destination.port = backend.port;
    destinations.push(destination);
  }
  return { ok: true, route: { index, name, raw, destinations, where } };
}

// A Service named as the view names versions: `name` in the route's
// namespace, `name.ns.svc[.cluster.local]` in another (`name.ns` only for
// the route's own namespace: `example.com` has the same shape).
function serviceOf(
  host: string,
  namespace: string,
): { name: string; namespace: string } | undefined {
  const parts = host.split('.');
  const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
  if (!parts.every(p => label.test(p))) return undefined;
  if (parts.length === 1) return { name: parts[0], namespace };
  if (parts.length === 2 && parts[1] === namespace) {
    return { name: parts[0], namespace };
  }
  if (parts.length >= 3 && parts[2] === 'svc') {
    return { name: parts[0], namespace: parts[1] };
  }
  return undefined;
}

// A backendRef for a version a caller named. Without a port, the port the
// rule's other backends use: versions of one service serve on one port.
function toBackendRef(
  ref: DestinationRef,
  ctx: Ctx,
  what: string,
): { ok: true; backendRef: JsonRecord } | RouteChangeRefusal {
  const { route, target } = ctx;
  if (ref.subset) {
    return refuse(
      422,
      `${route.where}: HTTPRoute backends are Services, without subsets; name the ${what}'s Service instead of subset ${ref.subset}`,
    );
  }
  const service = serviceOf(ref.host, target.namespace);
  if (!service) {
    return refuse(
      422,
      `${route.where}: ${what} ${ref.host} is not a Service name (name, or name.namespace.svc); HTTPRoute backends are Services`,
    );
  }
  const port = ref.port ?? route.destinations.find(d => d.port)?.port;
  if (port === undefined) {
    return refuse(
      422,
      `${route.where}: give the port of ${what} ${ref.host} (a Service backendRef needs one)`,
    );
  }
  const backendRef: JsonRecord = { name: service.name };
  if (service.namespace !== target.namespace) {
    backendRef.namespace = service.namespace;
  }
  backendRef.port = port;
  return { ok: true, backendRef };
}

// The RequestMirror filters of a rule with their backends' hosts. The ones
// the plugin edits mirror to a Service of the route's own namespace (where
// a release's versions live); a mirror to another namespace (a traffic
// recorder, say) is someone else's and is never touched.
function mirrorFilters(ctx: Ctx) {
  const { route, target } = ctx;
  return asArray(route.raw.filters).flatMap((filter, index) => {
    if (asString(dig(filter, 'type')) !== 'RequestMirror') return [];
    const backend = readBackend(
      dig(filter, 'requestMirror', 'backendRef'),
      target.namespace,
    );
    return [
      {
        index,
        filter,
        host: backend ? backendHost(backend, target.namespace) : undefined,
        own: backend?.namespace === target.namespace,
      },
    ];
  });
}

function removeRule(ctx: Ctx, index: number, name: string) {
  ctx.builder.test(['spec', 'rules', index, 'name'], name);
  ctx.builder.remove(['spec', 'rules', index]);
}

function changeWeights(op: JsonRecord, ctx: Ctx): Outcome {
  const { route, builder, base, target } = ctx;
  const change = planWeights(op, route, target.namespace);
  if (!change.ok) return change;
  let added: JsonRecord | undefined;
  if (change.added) {
    const made = toBackendRef(change.added.ref, ctx, 'canary');
    if (!made.ok) return made;
    added = { ...made.backendRef, weight: change.added.weight };
  }
  const count = route.destinations.length + (added ? 1 : 0);
  for (const d of route.destinations) {
    if (d.hasWeight || count > 1) {
      builder.set(
        [...base, 'backendRefs', d.position, 'weight'],
        change.weights[d.position],
      );
    }
  }
  if (added) {
    builder.insert([...base, 'backendRefs', route.destinations.length], added);
  }
  if (op.type !== 'rollback' || change.stable === undefined) {
    return { ok: true, shift: 0 };
  }
  // Rollback undoes what the plugin adds around a rule: a mirror to a
  // version (a Service of this namespace other than the stable one), and
  // the targeted rules just above it.
  const stable = route.destinations[change.stable];
  const stableHost = normalizeHost(stable.host, target.namespace);
  const mirrors = mirrorFilters(ctx)
    .filter(
      m =>
        m.own &&
        m.host !== undefined &&
        normalizeHost(m.host, target.namespace) !== stableHost,
    )
    .reverse();
  for (const m of mirrors) {
    builder.test([...base, 'filters', m.index], m.filter);
    builder.remove([...base, 'filters', m.index]);
  }
  const removedRoutes: Array<{ index: number; name: string }> = [];
  for (let i = route.index - 1; i >= 0; i--) {
    const name = asString(dig(target.rules[i], 'name'));
    if (!isTargetRouteName(name)) break;
    removeRule(ctx, i, name!);
    removedRoutes.push({ index: i, name: name! });
  }
  return removedRoutes.length
    ? { ok: true, shift: -removedRoutes.length, removedRoutes }
    : { ok: true, shift: 0 };
}

// A header condition of the VirtualService user match, in Gateway API's
// terms: exact stays exact, a prefix becomes an anchored regex.
function headerMatch(header: string, condition: JsonRecord): JsonRecord {
  if (typeof condition.exact === 'string') {
    return { type: 'Exact', name: header, value: condition.exact };
  }
  if (typeof condition.prefix === 'string') {
    return {
      type: 'RegularExpression',
      name: header,
      value: `^${escapeRegex(condition.prefix)}.*`,
    };
  }
  return { type: 'RegularExpression', name: header, value: condition.regex };
}

// Copied into a targeted rule, so chosen users get the same timeouts and
// header filters as everyone else; only the version serving them differs.
// Mirrors are not copied (shadowing is about the rule's split).
const NOT_COPIED = new Set(['name', 'matches', 'backendRefs', 'filters']);

function targetUsers(op: JsonRecord, ctx: Ctx): Outcome {
  const { route, target } = ctx;
  const match = readUserMatch(op.match);
  if (!match.ok) return match;
  const to = readDestinationRef(op.to, 'to');
  if (!to.ok) return to;
  const [only, ...others] = route.destinations;
  if (others.length === 0 && refersTo(to.ref, only, target.namespace)) {
    return refuse(
      409,
      `${route.where} already sends everyone to ${only.host}; targeting users to it would change nothing`,
    );
  }
  const backend = toBackendRef(to.ref, ctx, 'to');
  if (!backend.ok) return backend;
  const what = `HTTPRoute ${target.namespace}/${target.name}`;
  const name = targetRouteName(match.match);
  if (target.rules.some(r => asString(dig(r, 'name')) === name)) {
    return refuse(
      409,
      `${what} already has targeted rule '${name}' for this ${match.match.kind}; remove it first to send these users elsewhere`,
    );
  }
  if (target.rules.length >= MAX_RULES) {
    return refuse(
      409,
      `${what} has ${target.rules.length} rules, Gateway API's maximum; a targeted rule cannot be added`,
    );
  }
  // Each of the rule's matches with the user's header ANDed in: one more
  // header condition than the rule itself, so Gateway API's precedence
  // picks the targeted rule for these users whatever the rules' order. No
  // match is every request (the API server defaults it to PathPrefix /).
  const entries = asArray(route.raw.matches);
  const matches: JsonRecord[] = [];
  for (const entry of entries.length ? entries : [{}]) {
    if (!isRecord(entry)) {
      return refuse(422, `${route.where} has a match that is not an object`);
    }
    const headers = asArray(entry.headers);
    if (
      headers.some(
        h => asString(dig(h, 'name'))?.toLowerCase() === match.header,
      )
    ) {
      return refuse(
        409,
        `${route.where} already matches on header '${match.header}'; a targeted rule inside it would need two conditions on one header`,
      );
    }
    matches.push({
      ...entry,
      headers: [...headers, headerMatch(match.header, match.condition)],
    });
  }
  const total = target.rules.reduce<number>(
    (sum, r) => sum + Math.max(asArray(dig(r, 'matches')).length, 1),
    matches.length,
  );
  if (total > MAX_MATCHES) {
    return refuse(
      409,
      `${what} would have ${total} matches, above Gateway API's maximum of ${MAX_MATCHES}; a targeted rule cannot be added`,
    );
  }
  const added: JsonRecord = {
    name,
    matches,
    backendRefs: [backend.backendRef],
  };
  const filters = asArray(route.raw.filters).filter(
    f => asString(dig(f, 'type')) !== 'RequestMirror',
  );
  if (filters.length) added.filters = filters;
  for (const [key, value] of Object.entries(route.raw)) {
    if (!NOT_COPIED.has(key)) added[key] = value;
  }
  ctx.builder.insert(['spec', 'rules', route.index], added);
  return {
    ok: true,
    shift: 1,
    addedRoute: { index: route.index, name, route: added },
  };
}

function removeTargeting(op: JsonRecord, ctx: Ctx): Outcome {
  const { route, target } = ctx;
  const name = op.routeName;
  if (typeof name !== 'string' || !isTargetRouteName(name)) {
    return refuse(
      400,
      `only targeted rules this plugin added (named ${TARGET_ROUTE_PREFIX}…) can be removed; ${JSON.stringify(
        name ?? null,
      )} is not one`,
    );
  }
  const index = target.rules.findIndex(r => asString(dig(r, 'name')) === name);
  if (index < 0) {
    return refuse(
      404,
      `HTTPRoute ${target.namespace}/${target.name} has no rule named '${name}'`,
    );
  }
  if (index === route.index) {
    return refuse(
      400,
      `'${name}' is the rule being changed; name the rule the targeting belongs to in route, and the targeted rule in routeName`,
    );
  }
  removeRule(ctx, index, name);
  return {
    ok: true,
    shift: index < route.index ? -1 : 0,
    removedRoutes: [{ index, name }],
  };
}

// The one RequestMirror filter set-mirror and remove-mirror edit.
function ownMirror(ctx: Ctx) {
  const own = mirrorFilters(ctx).filter(m => m.own);
  if (own.length > 1) {
    return refuse(
      409,
      `${ctx.route.where} has ${own.length} RequestMirror filters to Services of namespace ${ctx.target.namespace}; the plugin edits one, remove the others by hand`,
    );
  }
  return { ok: true as const, mirror: own[0] };
}

function setMirror(op: JsonRecord, ctx: Ctx): Outcome {
  const { route, base, builder } = ctx;
  const to = readDestinationRef(op.to, 'to');
  if (!to.ok) return to;
  const percentage = readMirrorPercentage(op.percentage);
  if (typeof percentage !== 'number') return percentage;
  const backend = toBackendRef(to.ref, ctx, 'to');
  if (!backend.ok) return backend;
  if (backend.backendRef.namespace !== undefined) {
    return refuse(
      422,
      `${route.where}: the plugin mirrors to versions in the route's own namespace; ${to.ref.host} is in another`,
    );
  }
  const existing = ownMirror(ctx);
  if (!existing.ok) return existing;
  // Whole percents in `percent`; a fraction in hundredths of a percent
  // otherwise (Gateway API has no decimal percent).
  const requestMirror: JsonRecord = { backendRef: backend.backendRef };
  if (Number.isInteger(percentage)) requestMirror.percent = percentage;
  else {
    requestMirror.fraction = {
      numerator: Math.round(percentage * 100),
      denominator: 10000,
    };
  }
  const filter = { type: 'RequestMirror', requestMirror };
  if (existing.mirror) {
    builder.test(
      [...base, 'filters', existing.mirror.index],
      existing.mirror.filter,
    );
    builder.set([...base, 'filters', existing.mirror.index], filter);
  } else if (Array.isArray(route.raw.filters)) {
    builder.insert([...base, 'filters', route.raw.filters.length], filter);
  } else {
    builder.set([...base, 'filters'], [filter]);
  }
  return { ok: true, shift: 0 };
}

function removeMirror(ctx: Ctx): Outcome {
  const existing = ownMirror(ctx);
  if (!existing.ok) return existing;
  if (existing.mirror) {
    const path = [...ctx.base, 'filters', existing.mirror.index];
    ctx.builder.test(path, existing.mirror.filter);
    ctx.builder.remove(path);
  }
  return { ok: true, shift: 0 };
}

/**
 * The audit snapshot of an HTTPRoute rule: its Service backends with their
 * weights as written (missing is 1, Gateway API's default; a lone backend
 * with a weight above 0 is 100) and its mirror to a version.
 *
 * @public
 */
export function snapshotHttpRouteRule(
  raw: unknown,
  index: number,
  namespace: string,
): RouteSnapshot {
  const entries = asArray(dig(raw, 'backendRefs'));
  const destinations: SnapshotDestination[] = [];
  for (const entry of entries) {
    const backend = readBackend(entry, namespace);
    if (!backend || !isRecord(entry)) continue;
    const weight = readWeight(entry) ?? 0;
    const d: SnapshotDestination = {
      host: backendHost(backend, namespace),
      weight: entries.length === 1 && weight > 0 ? 100 : weight,
    };
    if (backend.port !== undefined) d.port = backend.port;
    destinations.push(d);
  }
  const snapshot: RouteSnapshot = { index, destinations };
  const name = asString(dig(raw, 'name'));
  if (name) snapshot.name = name;
  const mirrors = asArray(dig(raw, 'filters')).filter(
    f => asString(dig(f, 'type')) === 'RequestMirror',
  );
  for (const filter of mirrors) {
    const spec = dig(filter, 'requestMirror');
    const backend = readBackend(dig(spec, 'backendRef'), namespace);
    if (!backend) continue;
    const numerator = asNumber(dig(spec, 'fraction', 'numerator'));
    const denominator = asNumber(dig(spec, 'fraction', 'denominator')) ?? 100;
    const percentage =
      asNumber(dig(spec, 'percent')) ??
      (numerator !== undefined && denominator > 0
        ? Math.round((numerator / denominator) * 10000) / 100
        : 100);
    snapshot.mirror = { host: backendHost(backend, namespace), percentage };
    if (backend.port !== undefined) snapshot.mirror.port = backend.port;
    if (backend.namespace === namespace) break;
  }
  return snapshot;
}

function plan(options: PlanHttpRouteChangeOptions): PlanRouteChangeResult {
  const readOp = readOperation(options.operation);
  if (!readOp.ok) return readOp;
  const { op } = readOp;
  const read = readTarget(options.httpRoute);
  if (!read.ok) return read;
  const { target } = read;
  const found = findRule(target, options.route);
  if (!found.ok) return found;
  const ruleRead = readRule(target, found.index);
  if (!ruleRead.ok) return ruleRead;
  const { route } = ruleRead;

  const builder = new PatchBuilder(options.httpRoute);
  const base: PathSegment[] = ['spec', 'rules', route.index];
  builder.test(['metadata', 'resourceVersion'], target.resourceVersion);
  // Positional paths: pinning each backendRef whole (not only its weight)
  // makes /backendRefs/1/weight fail rather than hit another version when
  // someone reordered or edited the list.
  if (route.name) builder.test([...base, 'name'], route.name);
  for (const d of route.destinations) {
    builder.test([...base, 'backendRefs', d.position], d.rawDestination);
  }
  const ctx: Ctx = { target, route, base, builder };

  let outcome: Outcome;
  if (op.type === 'target-users') outcome = targetUsers(op, ctx);
  else if (op.type === 'remove-targeting') outcome = removeTargeting(op, ctx);
  else if (op.type === 'set-mirror') outcome = setMirror(op, ctx);
  else if (op.type === 'remove-mirror') outcome = removeMirror(ctx);
  else if (op.type === 'finish') outcome = finishRoute(ctx, 'backendRefs');
  else outcome = changeWeights(op, ctx);
  if (!outcome.ok) return outcome;

  const index = route.index + outcome.shift;
  const resultingRoute = builder.get(['spec', 'rules', index]);
  const result: RouteChangePlan = {
    ok: true,
    patch: builder.patch,
    changed: builder.changed,
    before: snapshotHttpRouteRule(route.raw, route.index, target.namespace),
    after: snapshotHttpRouteRule(resultingRoute, index, target.namespace),
    resultingRoute,
  };
  if (outcome.addedRoute) result.addedRoute = outcome.addedRoute;
  if (outcome.removedRoutes) result.removedRoutes = outcome.removedRoutes;
  return result;
}

/**
 * Input of planHttpRouteChange.
 *
 * @public
 */
export interface PlanHttpRouteChangeOptions {
  /** The HTTPRoute as just read from the API server (raw JSON). */
  httpRoute: unknown;
  /** The rule: an index into `spec.rules` or a rule name. */
  route: number | string;
  operation: RouteOperation;
}

/**
 * Plans a change to one rule of a Gateway API HTTPRoute as an RFC 6902 JSON
 * Patch, with the operations and refusals of planRouteChange: weights of
 * `backendRefs`, a canary Service appended, targeted users as a rule ahead
 * of the default one, a mirror as a RequestMirror filter. Pure; never throws.
 *
 * @public
 */
export function planHttpRouteChange(
  options: PlanHttpRouteChangeOptions,
): PlanRouteChangeResult {
  return planSafely(() =>
    plan(isRecord(options) ? options : ({} as PlanHttpRouteChangeOptions)),
  );
}
