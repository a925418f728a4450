import { describe, expect, it } from 'vitest';
import { parseCount, parseDurationMs, parseRateHz, parseSizeBytes } from '../../src/plan/index.js';

describe('parseCount', () => {
  it.each([
    ['20000', 20_000],
    ['20k', 20_000],
    ['20K', 20_000],
    ['1.5m', 1_500_000],
    ['2M', 2_000_000],
    ['1.1k', 1_100],
    [' 7 ', 7],
    ['0', 0],
    [42, 42],
  ])('%j is %d', (text, expected) => {
    expect(parseCount(text)).toBe(expected);
  });

  it.each(['', 'abc', '-5', '1.5', '1e3', '10x', '1.0001k', 'k', '1_000', 1.5])('%j is not a count', (text) => {
    expect(parseCount(text)).toBeNull();
  });
});

describe('parseRateHz', () => {
  it('takes fractions and suffixes', () => {
    expect(parseRateHz('0.5')).toBe(0.5);
    expect(parseRateHz('20k')).toBe(20_000);
    expect(parseRateHz('1.5M')).toBe(1_500_000);
    expect(parseRateHz('fast')).toBeNull();
  });
});

describe('parseDurationMs', () => {
  it.each([
    ['30', 30_000],
    ['30s', 30_000],
    ['30S', 30_000],
    ['500ms', 500],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['2min', 120_000],
    ['1h', 3_600_000],
    ['0', 0],
    [10, 10_000],
  ])('%j is %d ms', (text, expected) => {
    expect(parseDurationMs(text)).toBe(expected);
  });

  it.each(['', 'soon', '-1s', '0.5ms', '5d', '1 h x'])('%j is not a duration', (text) => {
    expect(parseDurationMs(text)).toBeNull();
  });
});

describe('parseSizeBytes', () => {
  it.each([
    ['100', 100],
    ['100b', 100],
    ['1k', 1024],
    ['1KiB', 1024],
    ['64kb', 65_536],
    ['1m', 1_048_576],
    ['1MiB', 1_048_576],
    ['0', 0],
  ])('%j is %d bytes', (text, expected) => {
    expect(parseSizeBytes(text)).toBe(expected);
  });

  it.each(['-1', 'big', '1g', '0.5'])('%j is not a size', (text) => {
    expect(parseSizeBytes(text)).toBeNull();
  });
});
