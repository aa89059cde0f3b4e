/**
 * How a message quotes what a user wrote (a link, a file, a flag). Input can be anything: a 200,000-character
 * run name in a link, a megabyte of text where a number belongs, a list where a word belongs. A message
 * quotes a short prefix and says how long the whole was, so it stays readable and a page of messages stays
 * small whatever the input:
 *
 *   quoteInput('abc')             -> 'abc'
 *   quoteInput('a'.repeat(2e5))   -> 'aaaa…' (200000 characters)   (60 characters shown)
 *
 * Control characters (a newline from %0A in a link) are shown as escapes so that a message stays one line.
 */

/** The number of characters a message shows of one piece of input. */
export const QUOTE_MAX = 60;

// C0 controls, DEL, C1 controls, and the line and paragraph separators
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point (they are shown as escapes)
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** Text a user wrote, in single quotes: whole when short, else its first `max` characters and its length. */
export function quoteInput(text: string, max = QUOTE_MAX): string {
  if (text.length <= max) return `'${escapeControl(text)}'`;
  let head = text.slice(0, max);
  // do not cut a character written as a surrogate pair in half
  if (/[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1);
  return `'${escapeControl(head)}…' (${text.length} characters)`;
}

/** Any value read from a file or a form, as a message shows it: text quoted short, numbers as written, other values by kind. */
export function describeInput(value: unknown): string {
  if (typeof value === 'string') return quoteInput(value);
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `a list of ${value.length} value${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/**
 * Several problems as one message of bounded length: as many as fit in `budget` characters (at least the
 * first), then how many more there are. Each problem is already short (it quotes input with quoteInput).
 */
export function listProblems(problems: readonly string[], budget = 300): string {
  const shown: string[] = [];
  let length = 0;
  for (const p of problems) {
    if (shown.length > 0 && length + 2 + p.length > budget) break;
    shown.push(p);
    length += (shown.length > 1 ? 2 : 0) + p.length;
  }
  const rest = problems.length - shown.length;
  return rest > 0 ? `${shown.join('; ')}; and ${rest} more problem${rest === 1 ? '' : 's'}` : shown.join('; ');
}
