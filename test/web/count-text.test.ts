import { describe, expect, it } from 'vitest';
import { countText, takesSingular, waitText } from '../../web/src/lib/count-text.ts';

describe('count text', () => {
  it('uses the singular for one', () => {
    expect(countText(1, 'row')).toBe('1 row');
    expect(countText(1, 'run')).toBe('1 run');
  });

  it('uses the plural for other counts', () => {
    expect(countText(0, 'row')).toBe('0 rows');
    expect(countText(2, 'partner')).toBe('2 partners');
    expect(countText(12_000, 'row')).toBe(`${(12_000).toLocaleString()} rows`);
  });

  it('takes an irregular plural', () => {
    expect(countText(3, 'entry', 'entries')).toBe('3 entries');
  });

  it('tells when a verb takes the singular', () => {
    expect(takesSingular(1)).toBe(true);
    expect(takesSingular(0)).toBe(false);
    expect(takesSingular(2)).toBe(false);
  });
});

describe('wait text', () => {
  it('words a wait in seconds, minutes or hours, rounded up', () => {
    expect(waitText(45)).toBe('in 45 seconds');
    expect(waitText(60)).toBe('in 1 minute');
    expect(waitText(87)).toBe('in 2 minutes');
    expect(waitText(900)).toBe('in 15 minutes');
    expect(waitText(3601)).toBe('in 2 hours');
  });

  it('never says zero', () => {
    expect(waitText(0.2)).toBe('in 1 second');
  });
});
