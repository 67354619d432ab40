import { describe, expect, it } from 'vitest';
import { escapeMarkdown } from '../../src/domain/text/escape-markdown.ts';
import { stripMarkdownEscapes } from '../../web/src/lib/strip-markdown-escapes.ts';

describe('stripMarkdownEscapes', () => {
  it.each([
    '**x**',
    '<img src=x onerror=alert(1)> Room',
    '[x](javascript:alert(1)) Room',
    'Holiday (CR-000001) | _draft_ ~old~ & more',
  ])('gives back the value escapeMarkdown escaped: %s', (value) => {
    expect(stripMarkdownEscapes(escapeMarkdown(value))).toBe(value);
  });

  it('keeps a backslash before a letter or digit', () => {
    expect(stripMarkdownEscapes('C:\\Users\\a1')).toBe('C:\\Users\\a1');
  });

  it('keeps one backslash of an escaped backslash', () => {
    expect(stripMarkdownEscapes('a\\\\b')).toBe('a\\b');
  });
});
