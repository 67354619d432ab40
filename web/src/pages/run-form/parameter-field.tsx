import { useState } from 'react';
import type { QuestionParameter } from '../../../../src/domain/questions/question-definition.ts';

export type ParameterValue = string | number | boolean | string[] | undefined;

/** Initial form value of a parameter: its default, else the first allowed value of a required choice. */
export function initialValue(parameter: QuestionParameter): ParameterValue {
  if (parameter.default !== null) return parameter.default;
  if (parameter.type === 'BOOLEAN') return false;
  if (
    parameter.required &&
    parameter.allowedValues?.[0] !== undefined &&
    parameter.type !== 'STRING_LIST'
  ) {
    return parameter.allowedValues[0];
  }
  return undefined;
}

interface FieldProps {
  parameter: QuestionParameter;
  value: ParameterValue;
  onChange(value: ParameterValue): void;
  /** The server's message when it rejected this parameter, shown under the control. */
  error?: string | null;
}

/** Attributes that tie a control to its hint and, when the server rejected it, to its error. */
interface ControlProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby': string;
}

function ChoiceField({
  parameter,
  value,
  onChange,
  control,
}: FieldProps & { control: ControlProps }) {
  const multiple = parameter.type === 'STRING_LIST';
  return (
    <select
      {...control}
      multiple={multiple}
      required={parameter.required}
      value={multiple ? ((value as string[] | undefined) ?? []) : String(value ?? '')}
      onChange={(event) =>
        onChange(
          multiple
            ? [...event.target.selectedOptions].map((option) => option.value)
            : event.target.value || undefined,
        )
      }
    >
      {!multiple && !parameter.required && <option value="">(none)</option>}
      {parameter.allowedValues?.map((allowed) => (
        <option key={allowed} value={allowed}>
          {allowed}
        </option>
      ))}
    </select>
  );
}

function InputField({
  parameter,
  value,
  onChange,
  control,
}: FieldProps & { control: ControlProps }) {
  if (parameter.type === 'BOOLEAN') {
    return (
      <input
        {...control}
        type="checkbox"
        checked={value === true}
        onChange={(event) => onChange(event.target.checked)}
      />
    );
  }
  if (parameter.type === 'INTEGER') {
    return (
      <input
        {...control}
        type="number"
        step={1}
        min={parameter.minimum ?? undefined}
        max={parameter.maximum ?? undefined}
        required={parameter.required}
        value={value === undefined ? '' : String(value)}
        onChange={(event) =>
          onChange(event.target.value === '' ? undefined : Number(event.target.value))
        }
      />
    );
  }
  if (parameter.type === 'STRING_LIST') {
    return <ListInput parameter={parameter} value={value} onChange={onChange} control={control} />;
  }
  return (
    <input
      {...control}
      type={parameter.type === 'DATE' ? 'date' : 'text'}
      required={parameter.required}
      value={String(value ?? '')}
      onChange={(event) => {
        const text = event.target.value;
        onChange(text === '' ? undefined : text);
      }}
    />
  );
}

/** Splits comma-separated text into list values. Other separators reach the server, which names the fix. */
function splitListText(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/**
 * Text input for a STRING_LIST parameter. It keeps the typed text, because
 * rebuilding it from the parsed values would drop a comma as soon as it is
 * typed, before the next value follows it.
 */
function ListInput({
  parameter,
  value,
  onChange,
  control,
}: FieldProps & { control: ControlProps }) {
  const [text, setText] = useState(() => (Array.isArray(value) ? value.join(', ') : ''));
  return (
    <input
      {...control}
      type="text"
      required={parameter.required}
      placeholder={LIST_PLACEHOLDER}
      value={text}
      onChange={(event) => {
        setText(event.target.value);
        onChange(splitListText(event.target.value));
      }}
    />
  );
}

const LIST_PLACEHOLDER = 'value 1, value 2';

/** Id of a parameter's control, which the run form also uses to focus a rejected field. */
export function parameterControlId(name: string): string {
  return `parameter-${name}`;
}

/** Renders one form control generated from a question's parameter definition. */
export function ParameterField(props: FieldProps) {
  const { parameter, error = null } = props;
  const id = parameterControlId(parameter.name);
  const control: ControlProps = {
    id,
    'aria-invalid': error !== null,
    'aria-describedby': error === null ? `${id}-hint` : `${id}-error ${id}-hint`,
  };
  const hasChoices = parameter.allowedValues !== null && parameter.allowedValues.length > 0;
  return (
    <div className="field">
      <label htmlFor={id}>
        {parameter.displayName}
        {parameter.type === 'STRING_LIST' && !hasChoices ? ' (separated by commas)' : ''}
        {parameter.required ? ' (required)' : ''}
      </label>
      {hasChoices ? (
        <ChoiceField {...props} control={control} />
      ) : (
        <InputField {...props} control={control} />
      )}
      {error !== null && (
        <p id={`${id}-error`} className="error field-error">
          {error}
        </p>
      )}
      <p id={`${id}-hint`} className="hint">
        {parameter.description}
      </p>
    </div>
  );
}
