import { describe, expect, it } from 'vitest';
import { durationText } from '../../src/domain/text/duration-text.ts';
import { waitText } from '../../src/domain/text/wait-text.ts';
import { countText, takesSingular } from '../../web/src/lib/count-text.ts';

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

  it('uses the singular for one unit', () => {
    expect(waitText(1)).toBe('in 1 second');
    expect(waitText(30)).toBe('in 30 seconds');
    expect(waitText(3600)).toBe('in 1 hour');
  });
});

describe('duration text', () => {
  it('words an uptime in its two largest units, rounded down', () => {
    expect(durationText(45)).toBe('45 s');
    expect(durationText(60)).toBe('1 min');
    expect(durationText(119)).toBe('1 min 59 s');
    expect(durationText(7_500)).toBe('2 h 5 min');
    expect(durationText(7_259)).toBe('2 h');
    expect(durationText(273_600)).toBe('3 d 4 h');
  });

  it('says zero for no time and less', () => {
    expect(durationText(0)).toBe('0 s');
    expect(durationText(0.9)).toBe('0 s');
    expect(durationText(-5)).toBe('0 s');
  });
});
