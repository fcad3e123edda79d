/** Exit codes (documented in the README). */
export const EXIT_OK = 0;
/** Findings at or above `--fail-on` severity. */
export const EXIT_FINDINGS = 1;
/** Usage or configuration error, or an input that is not a capture/log at all. */
export const EXIT_USAGE = 2;
/** An input was partly unreadable (truncated, corrupt): results were still written. */
export const EXIT_PARTIAL = 3;
export const EXIT_INTERRUPTED = 130;
