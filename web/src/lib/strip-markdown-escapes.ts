/** A backslash before ASCII punctuation, which CommonMark renders as the punctuation alone. */
const BACKSLASH_ESCAPE = /\\([!-/:-@[-`{-~])/g;

/**
 * Removes markdown's backslash escapes, so a text shown as plain text, while
 * the markdown renderer loads, reads as it will once rendered: "\*\*x\*\*"
 * becomes "**x**".
 */
export function stripMarkdownEscapes(text: string): string {
  return text.replace(BACKSLASH_ESCAPE, '$1');
}
