/** Maximum length of a stored column name, PostgreSQL's identifier limit, so names also fit the catalog. */
const MAX_NAME_LENGTH = 63;

/** Names of columns that hold personal data, after `normalizeColumnName`. */
const PERSONAL_NAME =
  /^(first_?name|last_?name|surname|given_name|family_name|full_?name|name|(street_|postal_|home_|mailing_)?address(_line_?\d)?|street|ip|ip_?address|dob|birth_?date|date_of_birth|birthday|ssn)$/;

/**
 * Turns a source column name into the stored one: lower-case snake case,
 * so that `Campaign ID` becomes `campaign_id` and matches question macros.
 * Returns `column_<position>` for names with no letters or digits.
 */
export function normalizeColumnName(sourceName: string, position = 1): string {
  const name = sourceName
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, MAX_NAME_LENGTH);
  if (name === '') return `column_${position}`;
  return /^[0-9]/.test(name) ? `column_${name}`.slice(0, MAX_NAME_LENGTH) : name;
}

/** Appends `_2`, `_3` … to repeated names, keeping the first occurrence as it is. */
export function makeNamesUnique(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    for (let suffix = 2; seen.has(candidate); suffix++) candidate = `${name}_${suffix}`;
    seen.add(candidate);
    return candidate;
  });
}

/** Tells whether a column name marks personal data such as a name, an address, an IP or a birth date. */
export function isPersonalColumnName(name: string): boolean {
  return PERSONAL_NAME.test(normalizeColumnName(name));
}
