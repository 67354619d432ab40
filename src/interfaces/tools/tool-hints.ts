/**
 * REST hints in service messages, each with the tool that does the same for
 * a model. Services write their user messages for REST callers; tool, resource
 * and prompt errors name the tool instead.
 */
const REST_HINTS: readonly [pattern: RegExp, toolHint: string][] = [
  [/list them with GET \/api\/v1\/cleanrooms/g, 'list them with the list_clean_rooms tool'],
  [/Follow it with GET \/api\/v1\/runs\/([\w-]+)/g, 'Follow it with the get_run tool (runId $1)'],
  [/list them with GET \/api\/v1\/runs\b/g, 'call list_runs to see your runs'],
];

/** Rewrites the REST hints of a service's user message as tool hints. */
export function toToolHint(message: string): string {
  return REST_HINTS.reduce((text, [pattern, toolHint]) => text.replace(pattern, toolHint), message);
}
