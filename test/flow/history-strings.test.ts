/** The shared history strings: equal histories share one string, and the cap is counted. */
import { describe, expect, it } from 'vitest';
import { appendHistory, historyStrings, MAX_SHARED_HISTORIES } from '../../src/flow/history-strings.js';

describe('appendHistory', () => {
  it('builds the history letter by letter', () => {
    let h = '';
    for (const c of 'ShADadFf') h = appendHistory(h, c);
    expect(h).toBe('ShADadFf');
    expect(appendHistory('^', 'h')).toBe('^h');
  });

  it('past the cap, histories are still right and each one built alone is counted', () => {
    expect(appendHistory('ShADad', 'F')).toBe('ShADadF'); // interned before the cap
    const before = historyStrings.unshared;
    for (let i = 0; historyStrings.size < MAX_SHARED_HISTORIES; i++) appendHistory('fill', String(i));
    expect(historyStrings.size).toBe(MAX_SHARED_HISTORIES);
    expect(historyStrings.unshared).toBe(before);
    expect(appendHistory('ShADad', 'FfR')).toBe('ShADadFfR');
    expect(appendHistory('ShADad', 'FfR')).toBe('ShADadFfR');
    expect(historyStrings.size).toBe(MAX_SHARED_HISTORIES);
    expect(historyStrings.unshared).toBe(before + 2);
    // A history interned before the cap is still found (not counted).
    expect(appendHistory('ShADad', 'F')).toBe('ShADadF');
    expect(historyStrings.unshared).toBe(before + 2);
  });
});
