/** The shared history strings: equal histories share one string, and the cap is counted. */
import { describe, expect, it } from 'vitest';
import { appendHistory, historyId, historyStrings, historyText, MAX_SHARED_HISTORIES, nextHistoryId } from '../../src/flow/history-strings.js';

describe('appendHistory', () => {
  it('builds the history letter by letter', () => {
    let h = '';
    for (const c of 'ShADadFf') h = appendHistory(h, c);
    expect(h).toBe('ShADadFf');
    expect(appendHistory('^', 'h')).toBe('^h');
  });

  it('steps from a shared history to the next by id, interning as appendHistory does', () => {
    let id = historyId('');
    expect(id).toBe(0);
    for (const c of 'hADdaFfTR') {
      const next = nextHistoryId(id, c);
      expect(next).toBeGreaterThan(0);
      // The second step is read from the transition table: the same id.
      expect(nextHistoryId(id, c)).toBe(next);
      expect(historyText(next)).toBe(historyText(id) + c);
      expect(historyId(historyText(id) + c)).toBe(next);
      id = next;
    }
    expect(historyText(id)).toBe('hADdaFfTR');
    expect(historyText(nextHistoryId(historyId(''), '^'))).toBe('^');
    // Not a history letter, or more than one: no id (the caller falls back to appendHistory).
    expect(nextHistoryId(id, 'x')).toBe(-1);
    expect(nextHistoryId(id, 'Ff')).toBe(-1);
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
    // By id: a known history is still found, a new one is not shared (and not counted here).
    expect(historyText(nextHistoryId(historyId('ShADad'), 'F'))).toBe('ShADadF');
    expect(nextHistoryId(historyId('ShADadF'), 'W')).toBe(-1);
    expect(historyStrings.size).toBe(MAX_SHARED_HISTORIES);
    expect(historyStrings.unshared).toBe(before + 2);
  });
});
