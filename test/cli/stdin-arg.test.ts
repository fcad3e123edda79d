import { describe, expect, it } from 'vitest';
import { protectStdinArgs, restoreStdin, STDIN_PLACEHOLDER } from '../../src/cli/stdin-arg.js';

describe('a lone - on the command line', () => {
  it.each([
    [['analyze', '-'], ['analyze', STDIN_PLACEHOLDER]],
    [['analyze', 'a.pcap', '-', '-f', 'csv'], ['analyze', 'a.pcap', STDIN_PLACEHOLDER, '-f', 'csv']],
    [['analyze', '-o', '-', 'a.pcap'], ['analyze', '-o', '-', 'a.pcap']],
    [['analyze', '--output', '-', '-'], ['analyze', '--output', '-', STDIN_PLACEHOLDER]],
    [['analyze', '-q', '-'], ['analyze', '-q', STDIN_PLACEHOLDER]],
    [['analyze', '--format=csv', '-'], ['analyze', '--format=csv', STDIN_PLACEHOLDER]],
    [['packets', '--json', '-'], ['packets', '--json', STDIN_PLACEHOLDER]],
  ])('%j becomes %j', (input, expected) => {
    expect(protectStdinArgs(input)).toEqual(expected);
  });

  it('maps back to - for the commands', () => {
    expect(restoreStdin(['a.pcap', STDIN_PLACEHOLDER])).toEqual(['a.pcap', '-']);
    expect(restoreStdin(undefined)).toEqual([]);
  });
});
