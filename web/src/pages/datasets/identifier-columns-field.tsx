import type { RefObject } from 'react';

/** The identifier types the import accepts for a declared column, as the server lists them. */
const IDENTIFIER_TYPES =
  'EMAIL, PHONE, EMAIL_SHA256, PHONE_SHA256, RAMPID, MAID, CUSTOMER_ID or NONE';

/**
 * Optional declaration of the identifier columns, sent as the import's
 * `identifierColumns` field. Left empty, the server finds them by column name
 * and content.
 */
export function IdentifierColumnsField({
  inputRef,
}: {
  inputRef: RefObject<HTMLInputElement | null>;
}) {
  return (
    <>
      <label htmlFor="dataset-identifiers">Identifier columns (optional)</label>
      <input
        id="dataset-identifiers"
        name="identifierColumns"
        ref={inputRef}
        maxLength={1000}
        placeholder="member_email:EMAIL"
        aria-describedby="dataset-identifiers-hint"
        autoComplete="off"
        spellCheck={false}
      />
      <p id="dataset-identifiers-hint" className="hint">
        Pairs of column:TYPE separated by commas, where TYPE is {IDENTIFIER_TYPES}. NONE keeps a
        column as it is. Leave it empty to find identifiers by column name and content.
      </p>
    </>
  );
}
