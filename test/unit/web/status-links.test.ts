import { describe, expect, it } from 'vitest';

// The requester pages' shared script (web/i18n.js, plain browser JavaScript), as the browser loads it.
const { aroundLink } = (await import('../../../web/i18n.js' as string)) as { aroundLink: (text: string, href: unknown) => string[] };

const ICO_EN = 'You have the right to complain to the UK’s supervisory authority, the Information Commissioner’s Office (ICO): Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF, telephone 0303 123 1113, https://ico.org.uk/make-a-complaint.';

describe('a sentence with a web address the page links', () => {
  it('is cut around the address, so that the address alone becomes the link', () => {
    expect(aroundLink(ICO_EN, 'https://ico.org.uk/make-a-complaint')).toEqual([ICO_EN.slice(0, -'https://ico.org.uk/make-a-complaint.'.length), 'https://ico.org.uk/make-a-complaint', '.']);
  });

  it('stays whole text when the address is missing, not in the sentence, or not an https one', () => {
    expect(aroundLink(ICO_EN, undefined)).toEqual([ICO_EN]);
    expect(aroundLink(ICO_EN, 'https://ico.org.uk/elsewhere')).toEqual([ICO_EN]);
    expect(aroundLink('Go to javascript:alert(1) now', 'javascript:alert(1)')).toEqual(['Go to javascript:alert(1) now']);
    expect(aroundLink('Go to http://ico.org.uk now', 'http://ico.org.uk')).toEqual(['Go to http://ico.org.uk now']);
  });
});
