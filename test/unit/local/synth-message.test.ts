import { describe, expect, it } from 'vitest';
import { synthesizingLine } from '../../../local/assembly/synth.ts';

describe('the line npm start and the tests print before synthesizing the cloud assembly', () => {
  it('says a first build is the first, and how long it takes, when no assembly of that variant was ever built', () => {
    expect(synthesizingLine([], 'cdk.out-default-')).toBe('Synthesizing the cloud assembly (the first build here: about half a minute)…');
    // Another variant's assembly, or a killed synthesis's leftovers, are not this variant's build.
    expect(synthesizingLine(['cdk.out-1a2b3c4d-0f0f', 'cdk.out-default-abcd.tmp-42'], 'cdk.out-default-')).toBe('Synthesizing the cloud assembly (the first build here: about half a minute)…');
  });

  it('says which inputs may have changed when an older assembly of that variant is there', () => {
    expect(synthesizingLine(['cdk.out-default-abcd'], 'cdk.out-default-')).toBe('Synthesizing the cloud assembly (functions/, workflows/, infra/, config/ or web/ changed)…');
  });
});
