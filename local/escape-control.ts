/**
 * Text from requests (userNames, paths, error messages) printed by the local server and the
 * change-event lines of `npm start`: control characters become visible escapes, so a name
 * holding a newline or a terminal escape sequence cannot forge or hide a log line.
 */

/** Control characters (C0, DEL, C1, line and paragraph separators) as visible escapes. */
export function escapeControl(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}
