import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const source = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? source(join(dir, e.name)) : e.name.endsWith('.ts') ? [readFileSync(join(ROOT, dir, e.name), 'utf8')] : []));
const functions = source('functions').join('\n');

/**
 * Every action a request's or a task's trail can carry, as the functions write it: each literal
 * `action: '…'` (and `a ? '…' : '…'`), a callback's answer under its own name (receive.ts writes
 * `action: body.request_status`; an `in_progress` answer is written as `acknowledge`), and the
 * sweeper's flags (`action: flag`, core/alerts.ts: a deadline's and a lost execution's). A complaint's trail has actions of its own, which
 * the console's register does not show event by event.
 */
function trailActions() {
  const literal = [...functions.matchAll(/action: (?:\w+ \? )?'([\w-]+)'(?: : '([\w-]+)')?/g)].flatMap((m) => [m[1], m[2]]).filter((a): a is string => !!a);
  const answers = [...readFileSync(join(ROOT, 'functions/core/callback-body.ts'), 'utf8').matchAll(/request_status: z\.literal\('(\w+)'\)/g)].map((m) => m[1]).filter((s) => s !== 'in_progress');
  const alerts = readFileSync(join(ROOT, 'functions/core/alerts.ts'), 'utf8');
  const flags = ['DeadlineFlag', 'TeamAlert'].flatMap((t) => [...(new RegExp(`export type ${t} = (.*);`).exec(alerts)?.[1] ?? '').matchAll(/'([\w-]+)'/g)].map((m) => m[1]));
  const complaintOnly = ['complaint', 'respond', 'ack_email_withheld'];
  return [...new Set([...literal, ...answers, ...flags])].filter((a) => !complaintOnly.includes(a)).sort();
}

/** The console's words for trail actions (web/console.js, `auditActions` of each language), by their keys. */
function consoleWords() {
  const js = readFileSync(join(ROOT, 'web/console.js'), 'utf8');
  const [en, fr] = [...js.matchAll(/auditActions: \{(.*)\},\n/g)].map((m) => new Set([...m[1].matchAll(/(?:^ |, )'?([\w-]+)'?: '/g)].map((k) => k[1])));
  return { en, fr };
}

describe('the console’s words for what happened to a request', () => {
  it('finds the trail’s actions where the functions write them, and the console’s words for them in both languages', () => {
    const actions = trailActions();
    // A few of every kind: literal, one of two, a callback's answer, a sweeper's flag.
    expect(actions).toEqual(expect.arrayContaining(['escalate', 'unblock', 'copy_erased', 'notice_unsent', 'outcome_unsent', 'completed', 'not_found', 'retained', 'failed', 'reminder-7', 'execution-lost']));
    expect(actions).not.toContain('in_progress');
    const { en, fr } = consoleWords();
    expect(en.size).toBeGreaterThan(40);
    expect([...fr].sort()).toEqual([...en].sort());
  });

  it('has words in English and in French for every action a request’s or a task’s trail can carry, never its code', () => {
    const { en, fr } = consoleWords();
    expect(trailActions().filter((a) => !en.has(a))).toEqual([]);
    expect(trailActions().filter((a) => !fr.has(a))).toEqual([]);
  });
});
