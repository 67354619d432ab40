import { z } from 'zod';
import { findUnpairedSurrogate, UNPAIRED_SURROGATE_TEXT } from './unpaired-surrogate.ts';

/** The shape `lenientInput` returns: each field preprocessed, with the field's own input and output types. */
export type LenientShape<Shape extends Record<string, z.ZodType>> = {
  [Key in keyof Shape]: z.ZodPreprocess<Shape[Key]>;
};

type Kind = 'number' | 'boolean' | 'enum' | 'container' | 'other';

/** Decimal or integer text, optionally signed or with an exponent, as JSON writes numbers. */
const NUMBER_TEXT = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * Builds a tool's input schema that accepts what language models commonly
 * send in place of the declared types. `null` for an optional field means
 * absent. A number or boolean sent as text is converted when the text is
 * exactly one ("30", "true"), an enum value is matched ignoring case, and
 * an object or array sent as JSON text is parsed. Anything else is rejected
 * with an issue naming the expected type, at the field's path.
 *
 * An argument the tool does not have is rejected, naming it and the valid
 * fields, so a model that misspells one (`clean_room` for `cleanRoomId`)
 * learns of it instead of the argument being dropped. The JSON Schema of
 * the input then has `additionalProperties: false`.
 *
 * Each field is a `z.preprocess` around the declared schema. The MCP SDK
 * (1.32) validates tool arguments with this schema before the handler runs,
 * and its JSON Schema conversion of a preprocess uses the declared schema,
 * so tools/list still advertises the real types and required fields.
 */
export function lenientInput<Shape extends Record<string, z.ZodType>>(
  shape: Shape,
  options: LenientInputOptions<Shape> = {},
): z.ZodObject<LenientShape<Shape>, z.core.$strict> {
  const fields = Object.fromEntries(
    Object.entries(shape).map(([name, schema]) => [name, lenientField(schema)]),
  );
  const names = Object.keys(shape);
  const schema = z
    .strictObject(fields, {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? unknownFieldsText(issue.keys, names) : undefined,
    })
    .superRefine((input, context) => checkAliases(input, options.aliases ?? {}, context));
  // Object.fromEntries loses the per-key types that the mapped type restores.
  return schema as unknown as z.ZodObject<LenientShape<Shape>, z.core.$strict>;
}

export interface LenientInputOptions<Shape> {
  /**
   * Fields that are another name of a field, as `{ alias: canonical }`. A
   * call may pass either, or both with the same value. Both with different
   * values are rejected, because the handler would have to pick one silently.
   */
  aliases?: Partial<Record<keyof Shape & string, keyof Shape & string>>;
}

function checkAliases(
  input: Record<string, unknown>,
  aliases: Partial<Record<string, string>>,
  context: z.RefinementCtx,
): void {
  for (const [alias, canonical] of Object.entries(aliases)) {
    if (canonical === undefined) continue;
    const [aliasValue, canonicalValue] = [input[alias], input[canonical]];
    if (aliasValue === undefined || canonicalValue === undefined) continue;
    if (JSON.stringify(aliasValue) === JSON.stringify(canonicalValue)) continue;

    context.addIssue({
      code: 'custom',
      path: [alias],
      message: `${alias} and ${canonical} name the same thing but received different values (${describeValue(aliasValue)} and ${describeValue(canonicalValue)}); pass only one of them`,
    });
  }
}

/** Names the unknown fields, a valid field each one may stand for, and every valid field. */
function unknownFieldsText(unknown: readonly string[], valid: readonly string[]): string {
  const described = unknown.map((name) => {
    const match = valid.find((field) => looselyEqual(field, name));
    return match === undefined ? `"${name}"` : `"${name}" (did you mean "${match}"?)`;
  });
  const noun = unknown.length === 1 ? 'unknown field' : 'unknown fields';
  const fields = valid.length === 0 ? 'none' : valid.join(', ');
  return `${noun} ${described.join(', ')}; valid fields: ${fields}`;
}

/**
 * Compares two field names ignoring case, `_` and `-`, and a trailing `Id`,
 * so `clean_room` and `cleanroomid` both match `cleanRoomId`.
 */
function looselyEqual(field: string, name: string): boolean {
  const normalize = (text: string) => text.toLowerCase().replace(/[_-]/g, '').replace(/id$/, '');
  return normalize(field) === normalize(name);
}

/** Wraps one field schema in the conversions `lenientInput` describes. */
export function lenientField<Schema extends z.ZodType>(schema: Schema): z.ZodPreprocess<Schema> {
  const base = unwrap(schema);
  // A field with a default has optin 'defaulted', and null means absent for it too.
  const optional = schema._zod.optin !== undefined;
  return z.preprocess((value, context) => {
    if (value === null && optional) return undefined;
    if (value === undefined) return value;
    if (typeof value === 'string' && value.includes('\0')) {
      // PostgreSQL text cannot hold U+0000; rejected here, it never reaches a query.
      context.addIssue({ code: 'custom', message: 'must not contain NUL characters (U+0000)' });
      return value;
    }

    const converted = convert(value, base);
    if (converted === undefined || !fitsNumberRange(converted, base)) {
      context.addIssue({
        code: 'custom',
        message: `expected ${expectedText(base)}, received ${describeValue(value)}`,
      });
      return value;
    }

    const surrogatePath = findUnpairedSurrogate(converted);
    if (surrogatePath !== undefined) {
      context.addIssue({ code: 'custom', message: UNPAIRED_SURROGATE_TEXT, path: surrogatePath });
      return value;
    }
    return converted;
  }, schema);
}

/**
 * Checks a converted number against the number schema's own bounds and
 * integer check here, so an out-of-range value gets the same message as a
 * wrong type, with the value received and the valid range.
 */
function fitsNumberRange(value: unknown, base: z.ZodType): boolean {
  return !(base instanceof z.ZodNumber) || base.safeParse(value).success;
}

/** Returns the value in the base schema's type, or undefined when no unambiguous conversion exists. */
function convert(value: unknown, base: z.ZodType): unknown {
  switch (kindOf(base)) {
    case 'number':
      return toNumber(value);
    case 'boolean':
      return toBoolean(value);
    case 'enum':
      return toEnumValue(value, (base as z.ZodEnum).options);
    case 'container':
      return typeof value === 'string' ? parseJsonContainer(value, base) : value;
    case 'other':
      return value;
  }
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMBER_TEXT.test(value)) return Number(value);
  return undefined;
}

function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text === 'true' || text === 'false') return text === 'true';
  return undefined;
}

/** Leaves a value that matches no option to the enum's own check, which lists the options. */
function toEnumValue(value: unknown, options: readonly unknown[]): unknown {
  if (typeof value !== 'string' || options.includes(value)) return value;

  const matches = options.filter(
    (option) => typeof option === 'string' && option.toLowerCase() === value.trim().toLowerCase(),
  );
  return matches.length === 1 ? matches[0] : value;
}

/** Parses JSON text sent for an object or array field; other text is left to the field's own check. */
function parseJsonContainer(text: string, base: z.ZodType): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    const wantsArray = base instanceof z.ZodArray;
    const isContainer = typeof parsed === 'object' && parsed !== null;
    return isContainer && Array.isArray(parsed) === wantsArray ? parsed : text;
  } catch {
    // Text that is not JSON stays as sent, so the field's check reports the type mismatch.
    return text;
  }
}

/** Removes the wrappers that only change optionality, defaults or read-only-ness. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: z.ZodType };
    const wrapper = ['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional'];
    if (!wrapper.includes(def.type) || def.innerType === undefined) return current;
    current = def.innerType;
  }
}

function kindOf(base: z.ZodType): Kind {
  if (base instanceof z.ZodNumber) return 'number';
  if (base instanceof z.ZodBoolean) return 'boolean';
  if (base instanceof z.ZodEnum) return 'enum';
  if (base instanceof z.ZodObject || base instanceof z.ZodRecord || base instanceof z.ZodArray)
    return 'container';
  return 'other';
}

/** Conversions fail only for number and boolean fields, so only those need a text. */
function expectedText(base: z.ZodType): string {
  return base instanceof z.ZodNumber ? numberText(base) : 'true or false';
}

function numberText(schema: z.ZodNumber): string {
  const noun = schema.isInt ? 'an integer' : 'a number';
  const { minValue, maxValue } = schema;
  const bounded = (limit: number | null) =>
    limit !== null && Math.abs(limit) < Number.MAX_SAFE_INTEGER;
  if (bounded(minValue) && bounded(maxValue)) return `${noun} from ${minValue} to ${maxValue}`;
  if (bounded(minValue)) return `${noun} of at least ${minValue}`;
  if (bounded(maxValue)) return `${noun} of at most ${maxValue}`;
  return noun;
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
