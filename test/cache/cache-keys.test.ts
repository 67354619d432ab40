import { describe, expect, it } from 'vitest';
import { cacheKey } from '../../src/adapters/cache/cache-keys.ts';

describe('cacheKey', () => {
  it('percent-encodes each part', () => {
    expect(cacheKey('rooms', 'org-1', 'a:b c', 5, undefined)).toBe('rooms:org-1:a%3Ab%20c:5:');
  });

  it('keeps a valid surrogate pair', () => {
    expect(cacheKey('rooms', null, '\ud83d\ude00')).toBe('rooms:-:%F0%9F%98%80');
  });

  it('encodes an unpaired surrogate as U+FFFD', () => {
    expect(cacheKey('rooms', 'org-1', 'a\ud800')).toBe('rooms:org-1:a%EF%BF%BD');
    expect(cacheKey('rooms', 'org-1', '\udc00b')).toBe('rooms:org-1:%EF%BF%BDb');
  });
});
