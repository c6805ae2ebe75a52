import { describe, expect, it } from 'vitest';
import { unfetchedMessage, unfetchedProcessors } from '../../../functions/core/assembly.ts';

const REGISTRY = ['paynow', 'parcelway', 'metricsly'];

describe('the providers named in Assemble’s error', () => {
  it('reads them from the Cause as Step Functions passes a Lambda error on AWS (its JSON), and as the local engine does (the message)', () => {
    const message = unfetchedMessage(['paynow', 'metricsly']);
    const aws = JSON.stringify({ errorType: 'ResultsUnavailable', errorMessage: message, trace: ['ResultsUnavailable: …', '    at readExport (/var/task/handler.js:1:2)'] });
    expect(unfetchedProcessors(aws, REGISTRY)).toEqual(['paynow', 'metricsly']);
    expect(unfetchedProcessors(message, REGISTRY)).toEqual(['paynow', 'metricsly']);
  });

  it('keeps only ids of the registry, once each, so that nothing else of an error is ever stored', () => {
    expect(unfetchedProcessors(unfetchedMessage(['paynow', 'https://files.example/alice@example.com.json', 'paynow', 'nobody']), REGISTRY)).toEqual(['paynow']);
  });

  it('names none for any other error, or none at all', () => {
    for (const cause of [undefined, '', 'connect ECONNREFUSED 127.0.0.1:9', JSON.stringify({ errorType: 'Error', errorMessage: 'paynow, parcelway' }), '{not json', 'null']) {
      expect(unfetchedProcessors(cause, REGISTRY)).toEqual([]);
    }
  });
});
