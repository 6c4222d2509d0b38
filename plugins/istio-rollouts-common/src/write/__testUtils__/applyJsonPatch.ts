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

import { JsonPatchOperation } from '../types';

// A small RFC 6902 applier for tests only, written independently of the
// planner's PatchBuilder so that tests check the patch against the
// standard, not against itself. Failures throw, like the API server
// refusing the whole patch.

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b)) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every(
      k =>
        Object.prototype.hasOwnProperty.call(b, k) &&
        deepEqual(
          (a as Record<string, unknown>)[k],
          (b as Record<string, unknown>)[k],
        ),
    )
  );
}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new Error(`bad pointer '${path}'`);
  return path
    .slice(1)
    .split('/')
    .map(t => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(list: unknown[], token: string, forAdd: boolean): number {
  if (forAdd && token === '-') return list.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) {
    throw new Error(`'${token}' is not an array index`);
  }
  const index = Number(token);
  if (index > list.length || (!forAdd && index === list.length)) {
    throw new Error(`index ${index} is out of bounds (length ${list.length})`);
  }
  return index;
}

function step(doc: unknown, tokens: string[], path: string): Container {
  let node = doc;
  for (const token of tokens) {
    if (Array.isArray(node)) {
      node = node[arrayIndex(node, token, false)];
    } else if (
      isContainer(node) &&
      Object.prototype.hasOwnProperty.call(node, token)
    ) {
      node = (node as Record<string, unknown>)[token];
    } else {
      throw new Error(`path ${path} does not exist`);
    }
  }
  if (!isContainer(node)) throw new Error(`path ${path} does not exist`);
  return node;
}

function applyOne(doc: unknown, op: JsonPatchOperation): unknown {
  const tokens = parsePointer(op.path);
  if (tokens.length === 0) {
    if (op.op === 'test') {
      if (!deepEqual(doc, op.value)) throw new Error('test failed at root');
      return doc;
    }
    if (op.op === 'remove') throw new Error('cannot remove the root');
    return structuredClone(op.value);
  }
  const parent = step(doc, tokens.slice(0, -1), op.path);
  const last = tokens[tokens.length - 1];
  const exists = Array.isArray(parent)
    ? /^(0|[1-9]\d*)$/.test(last) && Number(last) < parent.length
    : Object.prototype.hasOwnProperty.call(parent, last);
  if (op.op !== 'add' && !exists) {
    throw new Error(`${op.op} failed: path ${op.path} does not exist`);
  }
  if (op.op === 'test') {
    const actual = Array.isArray(parent) ? parent[Number(last)] : parent[last];
    if (!deepEqual(actual, op.value)) {
      throw new Error(
        `test failed at ${op.path}: ${JSON.stringify(
          actual,
        )} is not ${JSON.stringify(op.value)}`,
      );
    }
    return doc;
  }
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, last, op.op === 'add');
    if (op.op === 'add') parent.splice(index, 0, structuredClone(op.value));
    else if (op.op === 'replace') parent[index] = structuredClone(op.value);
    else parent.splice(index, 1);
  } else if (op.op === 'remove') {
    delete parent[last];
  } else {
    parent[last] = structuredClone(op.value);
  }
  return doc;
}

/**
 * Applies a JSON Patch to a copy of `doc`; throws on the first failing
 * operation (a failed `test` included), leaving `doc` untouched.
 */
export function applyJsonPatch<T>(
  doc: T,
  patch: readonly JsonPatchOperation[],
): T {
  let result: unknown = structuredClone(doc);
  patch.forEach((op, i) => {
    try {
      result = applyOne(result, op);
    } catch (error) {
      throw new Error(
        `op ${i} (${op.op} ${op.path}): ${(error as Error).message}`,
      );
    }
  });
  return result as T;
}
