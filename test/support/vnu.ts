import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Nu Html Checker, pinned as the vnu-jar devDependency. */
const JAR = resolve(import.meta.dirname, '../../node_modules/vnu-jar/build/dist/vnu.jar');

/** One finding, on the document named as it was given. */
export type VnuMessage = { document: string; type: string; subType?: string; line?: number; message: string; extract?: string };

/** A finding on one line: where, what, and the source around it. */
export const describeMessage = (m: VnuMessage) =>
  `${m.document}:${m.line ?? '?'}: ${m.subType ?? m.type}: ${m.message}${m.extract ? ` [${m.extract.replace(/\s+/g, ' ').trim()}]` : ''}`;

/**
 * Checks documents (name to text; a name ending .css is checked as CSS) with the Nu Html Checker
 * and its CSS checker, in one JVM, since each start costs a second and a half. Every message comes
 * back, errors and warnings (an "info" of subtype "warning") alike; plain infos are left out.
 * Without Java it throws rather than skip, so that a machine lacking it cannot pass the check.
 */
export function checkDocuments(documents: Record<string, string>): VnuMessage[] {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-vnu-'));
  try {
    const paths = Object.entries(documents).map(([name, text]) => {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    });
    const run = spawnSync('java', ['-jar', JAR, '--format', 'json', '--also-check-css', '--stdout', ...paths], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (run.error) throw new Error(`cannot run java (${run.error.message}): the HTML check needs Java 17 or later for vnu.jar (apt-get install default-jre-headless; .ci/run installs it)`);
    // 0: nothing found, 1: errors found; anything else is the checker failing.
    if (run.status !== 0 && run.status !== 1) throw new Error(`vnu.jar exited with ${run.status}: ${run.stderr}`);
    const out = JSON.parse(run.stdout) as { messages: { type: string; subType?: string; url?: string; lastLine?: number; message: string; extract?: string }[] };
    return out.messages
      .filter((m) => m.type !== 'info' || m.subType === 'warning')
      .map((m) => {
        const document = m.url ? relative(dir, fileURLToPath(m.url)) : '(none)';
        // With --also-check-css, vnu 26.9.27 numbers an HTML document's lines from 0 (a .css file's from 1).
        const line = m.lastLine === undefined ? undefined : document.endsWith('.css') ? m.lastLine : m.lastLine + 1;
        return { document, type: m.type, subType: m.subType, line, message: m.message, extract: m.extract };
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
