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
  /** Values offered in a datalist when the parameter has no allowed values, such as a room's attribute columns. */
  suggestions?: readonly string[];
}

function ChoiceField({ parameter, value, onChange, id }: FieldProps & { id: string }) {
  const multiple = parameter.type === 'STRING_LIST';
  return (
    <select
      id={id}
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
  id,
  suggestions = [],
}: FieldProps & { id: string }) {
  if (parameter.type === 'BOOLEAN') {
    return (
      <input
        id={id}
        type="checkbox"
        checked={value === true}
        onChange={(event) => onChange(event.target.checked)}
      />
    );
  }
  if (parameter.type === 'INTEGER') {
    return (
      <input
        id={id}
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
  const listText = Array.isArray(value) ? value.join(', ') : String(value ?? '');
  const listId = suggestions.length > 0 ? `${id}-suggestions` : undefined;
  return (
    <>
      {listId !== undefined && (
        <datalist id={listId}>
          {suggestions.map((suggestion) => (
            <option key={suggestion} value={suggestion} />
          ))}
        </datalist>
      )}
      <input
        id={id}
        list={listId}
        type={parameter.type === 'DATE' ? 'date' : 'text'}
        required={parameter.required}
        value={listText}
        onChange={(event) => {
          const text = event.target.value;
          if (parameter.type === 'STRING_LIST')
            onChange(
              text
                .split(',')
                .map((part) => part.trim())
                .filter(Boolean),
            );
          else onChange(text === '' ? undefined : text);
        }}
      />
    </>
  );
}

/** Renders one form control generated from a question's parameter definition. */
export function ParameterField(props: FieldProps) {
  const id = `parameter-${props.parameter.name}`;
  const hasChoices =
    props.parameter.allowedValues !== null && props.parameter.allowedValues.length > 0;
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.parameter.displayName}
        {props.parameter.required ? ' (required)' : ''}
      </label>
      {hasChoices ? <ChoiceField {...props} id={id} /> : <InputField {...props} id={id} />}
      <p className="hint">{props.parameter.description}</p>
    </div>
  );
}
