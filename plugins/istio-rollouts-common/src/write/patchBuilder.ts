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

import { isRecord } from '../kube/guards';
import { JsonPatchOperation } from './types';

// Builds a JSON Patch and, step by step, the document it produces. Each
// change is applied to a copy of the object at once, so the plan's
// resulting route is exactly what the API server will store, and each op
// is chosen from what is there: RFC 6902 `replace` fails on a missing
// member, so a missing one is `add`ed.

/** A JSON Pointer segment: an object key or an array index. @internal */
export type PathSegment = string | number;

/**
 * An RFC 6901 JSON Pointer: `~` and `/` in keys are escaped.
 *
 * @internal
 */
export function jsonPointer(segments: readonly PathSegment[]): string {
  return segments
    .map(s => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`)
    .join('');
}

/** Deep equality of JSON values, ignoring key order. @internal */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => jsonEqual(item, b[i]))
    );
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every(k => k in b && jsonEqual(a[k], b[k]))
    );
  }
  return false;
}

/** A deep copy of a JSON value. @internal */
export function cloneJson<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

function container(doc: unknown, path: readonly PathSegment[]) {
  let node = doc;
  for (const segment of path.slice(0, -1)) {
    node = (node as Record<PathSegment, unknown> | undefined)?.[segment];
  }
  if (!isRecord(node) && !Array.isArray(node)) {
    // A bug in a planner, never a user error: the parent is always read first.
    throw new Error(`no parent for ${jsonPointer(path)}`);
  }
  return node as Record<PathSegment, unknown>;
}

/** @internal */
export class PatchBuilder {
  private readonly tests: JsonPatchOperation[] = [];
  private readonly changes: JsonPatchOperation[] = [];
  /** The document with every change so far applied. */
  readonly doc: unknown;

  constructor(original: unknown) {
    this.doc = cloneJson(original);
  }

  /** Pins a value as it is now; tests always precede every change. */
  test(path: readonly PathSegment[], value: unknown): void {
    this.tests.push({ op: 'test', path: jsonPointer(path), value });
  }

  get(path: readonly PathSegment[]): unknown {
    const parent = container(this.doc, path);
    return parent[path[path.length - 1]];
  }

  has(path: readonly PathSegment[]): boolean {
    const parent = container(this.doc, path);
    const key = path[path.length - 1];
    return Array.isArray(parent)
      ? typeof key === 'number' && key < parent.length
      : Object.prototype.hasOwnProperty.call(parent, key);
  }

  /** Sets an object member: `replace` when present, `add` when not, nothing when equal. */
  set(path: readonly PathSegment[], value: unknown): void {
    const present = this.has(path);
    if (present && jsonEqual(this.get(path), value)) {
      return;
    }
    this.changes.push({
      op: present ? 'replace' : 'add',
      path: jsonPointer(path),
      value: cloneJson(value),
    });
    container(this.doc, path)[path[path.length - 1]] = cloneJson(value);
  }

  /** Inserts into a list at `path`'s last segment (an index up to its length). */
  insert(path: readonly PathSegment[], value: unknown): void {
    const list = container(this.doc, path);
    const index = path[path.length - 1];
    if (
      !Array.isArray(list) ||
      typeof index !== 'number' ||
      index > list.length
    ) {
      throw new Error(`cannot insert at ${jsonPointer(path)}`);
    }
    this.changes.push({
      op: 'add',
      path: jsonPointer(path),
      value: cloneJson(value),
    });
    list.splice(index, 0, cloneJson(value));
  }

  /** Removes a member or list item when present. */
  remove(path: readonly PathSegment[]): void {
    if (!this.has(path)) {
      return;
    }
    this.changes.push({ op: 'remove', path: jsonPointer(path) });
    const parent = container(this.doc, path);
    const key = path[path.length - 1];
    if (Array.isArray(parent)) {
      parent.splice(key as number, 1);
    } else {
      delete parent[key];
    }
  }

  get changed(): boolean {
    return this.changes.length > 0;
  }

  get patch(): JsonPatchOperation[] {
    return [...this.tests, ...this.changes];
  }
}
