import { z } from 'zod';
import {
  ImportLineErrorSchema,
  type ImportLineError,
} from '../../../../src/domain/datasets/dataset.ts';
import { ApiError } from '../../api/api-error.ts';

/**
 * A rejected import: the message, the rejected lines when the server listed
 * them, and whether the Identifier columns field is where the fix goes.
 */
export interface ImportFailure {
  message: string;
  lines: readonly ImportLineError[];
  fixInIdentifierColumns: boolean;
}

const NoIdentifierDetailsSchema = z.object({ columnsFound: z.array(z.string()) });
const IdentifierEntryDetailsSchema = z.object({
  field: z.literal('identifierColumns'),
  received: z.string(),
  allowedValues: z.array(z.string()),
});

/**
 * Builds the web text of the import errors whose server messages speak of
 * API fields: no identifier column found (IMPORT_MISSING_COLUMN without a
 * declared `column`) and an invalid identifierColumns entry.
 */
function identifierGuidance(error: ApiError): string | null {
  const noIdentifier = NoIdentifierDetailsSchema.safeParse(error.details);
  if (
    error.code === 'IMPORT_MISSING_COLUMN' &&
    noIdentifier.success &&
    !('column' in error.details)
  ) {
    const columns = noIdentifier.data.columnsFound;
    const example = columns[0] ?? 'member_email';
    return `no identifier column was found among its columns ${columns.map((name) => `"${name}"`).join(', ')}. Rename a column to email, phone, email_sha256, rampid, maid or customer_id, or name the identifier columns under Identifier columns, such as ${example}:EMAIL (${example}:EMAIL_SHA256 for a column of SHA-256 hashes).`;
  }
  const entry = IdentifierEntryDetailsSchema.safeParse(error.details);
  if (error.code === 'VALIDATION_FAILED' && entry.success) {
    return `the Identifier columns entry "${entry.data.received}" is invalid. Write column:TYPE, with TYPE one of ${entry.data.allowedValues.join(', ')}, and separate entries with commas.`;
  }
  return null;
}

/**
 * Describes a failed upload. Reads the rejected lines that
 * IMPORT_NO_VALID_ROWS and IMPORT_TOO_MANY_INVALID_ROWS list in
 * `details.errors`.
 */
export function toImportFailure(fileName: string, failure: unknown): ImportFailure {
  const guidance = failure instanceof ApiError ? identifierGuidance(failure) : null;
  const reason = guidance ?? (failure instanceof Error ? failure.message : String(failure));
  const parsed =
    failure instanceof ApiError
      ? ImportLineErrorSchema.array().safeParse(failure.details.errors)
      : undefined;
  return {
    message: `"${fileName}" was not imported: ${reason}`,
    lines: parsed?.success === true ? parsed.data : [],
    fixInIdentifierColumns: guidance !== null,
  };
}
