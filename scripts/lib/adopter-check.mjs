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

// The parts of scripts/adopter-check that read and edit files, and the
// browser check. The README is the source: every step the check applies is
// a code block in "Installing into an existing Backstage app" marked with
// `<!-- adopter-check: NAME -->`, taken as written.
//
//   node adopter-check.mjs snippet README NAME           prints the block
//   node adopter-check.mjs merge-yaml README NAME FILE   merges it into FILE
//   node adopter-check.mjs edit-sidebar README FILE      applies the sidebar step
//   node adopter-check.mjs pin-to-release APP VERSION    @backstage/* ranges as of
//                                                        create-app VERSION's day
//   node adopter-check.mjs browser URL ENTITY SCREENSHOT checks the tab in Chromium

import fs from 'node:fs';
import semver from 'semver';
import { parse, stringify } from 'yaml';

const [command, ...args] = process.argv.slice(2);

function fail(message) {
  console.error(`adopter-check: ${message}`);
  process.exit(1);
}

/** The code block right after the `<!-- adopter-check: name -->` marker. */
function snippet(readmeFile, name) {
  const lines = fs.readFileSync(readmeFile, 'utf8').split('\n');
  const marker = lines.findIndex(
    l => l.trim() === `<!-- adopter-check: ${name} -->`,
  );
  if (marker < 0) fail(`no block marked "${name}" in ${readmeFile}`);
  const open = lines.findIndex(
    (l, i) => i > marker && l.trim().startsWith('```'),
  );
  const close = lines.findIndex((l, i) => i > open && l.trim() === '```');
  if (open < 0 || close < 0) fail(`the block marked "${name}" is not closed`);
  // Blocks sit inside numbered steps: drop the list's indentation.
  const indent = lines[open].match(/^ */)[0].length;
  return lines
    .slice(open + 1, close)
    .map(l => l.slice(Math.min(indent, l.match(/^ */)[0].length)))
    .join('\n');
}

/** Objects merge key by key; lists take the README's entries not yet there. */
function merge(into, from) {
  if (Array.isArray(into) && Array.isArray(from)) {
    return [...into, ...from.filter(v => !into.includes(v))];
  }
  if (into && from && typeof into === 'object' && typeof from === 'object') {
    const out = { ...into };
    for (const [k, v] of Object.entries(from)) out[k] = merge(into[k], v);
    return out;
  }
  return from ?? into;
}

/** A package's versions and their publication times, from the npm registry. */
async function packument(name) {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(
        `https://registry.npmjs.org/${name.replace('/', '%2f')}`,
      );
      if (!res.ok) fail(`npm registry: ${name}: HTTP ${res.status}`);
      return await res.json();
    } catch (e) {
      if (attempt === 3) fail(`npm registry: ${name}: ${e.cause ?? e}`);
    }
  }
}

/** fn over items, at most `limit` at a time (the registry refuses bursts). */
async function eachLimited(items, limit, fn) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (queue.length) await fn(queue.shift());
    }),
  );
}

/**
 * Stands in for create-app's yarn.lock seed, which this machine cannot fetch:
 * every `@backstage/*` range in the app's lockfile is resolved to the newest
 * version published on or before the day create-app VERSION was, through the
 * app's `resolutions` (one per range, so ranges only a newer release can meet,
 * such as a plugin's, still resolve as they would for an adopter). Prints how
 * many ranges it pinned anew: the caller installs again until that is 0,
 * since older versions can bring ranges of their own.
 */
async function pinToRelease(appDir, createAppVersion) {
  const released = (await packument('@backstage/create-app')).time[
    createAppVersion
  ];
  if (!released) fail(`@backstage/create-app@${createAppVersion} is unknown`);
  const cutoff = Date.parse(released);
  const lock = fs.readFileSync(`${appDir}/yarn.lock`, 'utf8');
  // Lock entries: `"@backstage/x@npm:^1.2.3, @backstage/x@npm:1.2.0":`
  // followed by `  version: 1.4.0`.
  const wanted = new Map(); // "name@range" -> version as of the cutoff
  const entry = /^"?(@backstage\/[^\n]*?)"?:\n {2}version: ([^\n]+)$/gm;
  const byName = new Map();
  for (const [, descriptors, locked] of lock.matchAll(entry)) {
    for (const descriptor of descriptors.split(', ')) {
      const m = descriptor
        .replace(/"/g, '')
        .match(/^(@backstage\/[^@]+)@npm:(.+)$/);
      if (!m || !semver.validRange(m[2])) continue;
      const [, name, range] = m;
      if (!byName.has(name)) byName.set(name, []);
      byName.get(name).push({ range, locked });
    }
  }
  const pkg = JSON.parse(fs.readFileSync(`${appDir}/package.json`, 'utf8'));
  pkg.resolutions ??= {};
  let pinned = 0;
  await eachLimited([...byName], 8, async ([name, ranges]) => {
    const { time = {} } = await packument(name);
    const before = Object.keys(time).filter(
      v => semver.valid(v) && Date.parse(time[v]) <= cutoff,
    );
    for (const { range, locked } of ranges) {
      const version = semver.maxSatisfying(before, range);
      const key = `${name}@npm:${range}`;
      if (!version || version === locked || pkg.resolutions[key]) continue;
      wanted.set(key, version);
    }
  });
  for (const [key, version] of [...wanted].sort()) {
    pkg.resolutions[key] = version;
    pinned += 1;
  }
  fs.writeFileSync(
    `${appDir}/package.json`,
    `${JSON.stringify(pkg, null, 2)}\n`,
  );
  console.log(pinned);
}

switch (command) {
  case 'snippet': {
    process.stdout.write(`${snippet(args[0], args[1])}\n`);
    break;
  }
  case 'merge-yaml': {
    const [readme, name, file] = args;
    const current = fs.existsSync(file)
      ? parse(fs.readFileSync(file, 'utf8')) ?? {}
      : {};
    let addition = snippet(readme, name);
    // The README shows a placeholder registry; the check's own is given here.
    if (process.env.ADOPTER_CHECK_REGISTRY) {
      addition = addition.replaceAll(
        'https://npm.example.com/',
        process.env.ADOPTER_CHECK_REGISTRY,
      );
    }
    fs.writeFileSync(file, stringify(merge(current, parse(addition))));
    break;
  }
  case 'edit-sidebar': {
    // The step names two edits: its import lines go after the file's last
    // import, its element just before `{nav.rest(`.
    const [readme, file] = args;
    const block = snippet(readme, 'sidebar').split('\n');
    const imports = block.filter(l => l.startsWith('import '));
    const element = block
      .filter(l => !l.startsWith('import ') && l.trim() !== '')
      .join('\n')
      .replace(/;\s*$/, '');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const rest = lines.findIndex(l => l.includes('{nav.rest('));
    if (rest < 0)
      fail(`no {nav.rest( in ${file}: not a create-app Sidebar.tsx`);
    lines.splice(rest, 0, element);
    let lastImport = -1;
    lines.forEach((l, i) => {
      if (/^import .* from .*;$/.test(l) || /^} from .*;$/.test(l))
        lastImport = i;
    });
    lines.splice(lastImport + 1, 0, ...imports);
    fs.writeFileSync(file, lines.join('\n'));
    break;
  }
  case 'pin-to-release': {
    await pinToRelease(args[0], args[1]);
    break;
  }
  case 'browser': {
    const [url, entity, screenshot] = args;
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({
        viewport: { width: 1400, height: 1000 },
      });
      page.setDefaultTimeout(120_000);
      await page.goto(url);
      // A new app signs in as a guest: its sign-in page says so and has an
      // "Enter" button. (innerText is as displayed: MUI upper-cases some
      // labels, so every match here ignores case.)
      await page.waitForFunction(() =>
        /enter as a guest|istio rollouts/i.test(document.body.innerText),
      );
      const enter = page.getByRole('button', { name: /^enter$/i });
      if (await enter.count()) {
        await enter.first().click();
        await page.waitForFunction(
          () => !/enter as a guest/i.test(document.body.innerText),
        );
        await page.goto(url);
      }
      // The seeded canary: the tab names the strategy and both versions'
      // shares, read from the cluster by the installed backend.
      await page.waitForFunction(() => {
        const text = document.body.innerText;
        return (
          /canary/i.test(text) && /\b90 ?%/.test(text) && /\b10 ?%/.test(text)
        );
      });
      // The sidebar, as README step 7 leaves it: both pages' entries (a new
      // app's policy allows everything, so the audit entry shows too).
      for (const [title, path] of [
        ['Releases in flight', '/istio-rollouts-releases'],
        ['Release audit', '/istio-rollouts-audit'],
      ]) {
        const link = page.locator(`a[href$="${path}"]`);
        await link
          .first()
          .waitFor({ timeout: 30_000 })
          .catch(() => {
            throw new Error(`the sidebar has no "${title}" entry (${path})`);
          });
      }
      await page.screenshot({ path: screenshot, fullPage: true });
      const text = await page.evaluate(() => document.body.innerText);
      // An extension that failed (the app shows it as a toast, the rest of
      // the page renders) fails the check too.
      const broken = text.match(/Error in extension[^\n]*(\n[^\n]*){0,2}/i);
      if (broken) throw new Error(`the page shows: ${broken[0]}`);
      const line = text.split('\n').find(l => /90 ?%|10 ?%/.test(l));
      console.log(`the ${entity} tab shows: ${line?.trim()}`);
      console.log('the sidebar lists: Releases in flight, Release audit');
    } catch (e) {
      // What the page showed instead, for whoever reads the failure.
      const pages = browser.contexts().flatMap(c => c.pages());
      if (pages[0]) {
        await pages[0].screenshot({ path: screenshot, fullPage: true });
        const text = await pages[0].evaluate(() => document.body.innerText);
        console.error(
          `the page (${pages[0].url()}) shows:\n${text.slice(0, 2000)}`,
        );
      }
      fail(`${e.message}`);
    } finally {
      await browser.close();
    }
    break;
  }
  default:
    fail(`unknown command ${command}`);
}
