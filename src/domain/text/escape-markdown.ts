/**
 * ASCII punctuation that starts or ends markdown syntax (CommonMark allows a
 * backslash before any ASCII punctuation). `|` splits GFM table cells, `~`
 * strikes through, `&` starts an entity, `@` makes a GFM email autolink.
 */
const MARKDOWN_SPECIALS = /[\\`*[\]()!<>#|~&@{}]/g;
/**
 * An underscore that can open or close emphasis. One between two ASCII
 * letters or digits (`age_band`) cannot, by CommonMark's flanking rules, so
 * it is left as it is and identifiers stay readable.
 */
const EMPHASIS_UNDERSCORE = /(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g;
/** "https://", "ftp://": GFM turns these into links even without brackets. */
const URL_SCHEME = /([a-z][a-z0-9+.-]*):(?=\/\/)/gi;
/** "www.example.com": GFM's extended autolink starts at "www.". */
const WWW_PREFIX = /\b(www)\./gi;

/**
 * Escapes a data value (a room, partner, dataset or column name, a parameter
 * value, anything a user or the database supplied) so markdown renders it as
 * the same plain text: no links, images, HTML, emphasis or table breaks.
 * Line breaks become spaces, so the value stays on one line and one cell.
 */
export function escapeMarkdown(value: string): string {
  return value
    .replace(/\s+/g, ' ')
    .replace(MARKDOWN_SPECIALS, '\\$&')
    .replace(EMPHASIS_UNDERSCORE, '\\_')
    .replace(URL_SCHEME, '$1\\:')
    .replace(WWW_PREFIX, '$1\\.');
}
