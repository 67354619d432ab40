import { randomUUID } from 'node:crypto';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { decideNextAction } from './intent-engine.ts';
import type { OfflineAction } from './offline-action.ts';
import { readTurnState } from './turn-state.ts';

/** Characters per token, the usual estimate for English text, because the engine has no tokenizer. */
const CHARACTERS_PER_TOKEN = 4;
/** Words per text delta, so answers stream the way a model's tokens do. */
const WORDS_PER_DELTA = 3;

export interface OfflineLanguageModelOptions {
  /** Today's date for relative dates such as "last 30 days". */
  now(): Date;
  /** waitSeconds the engine passes to start_run, so a short run's answer includes its result. */
  runWaitSeconds: number;
}

/**
 * The assistant's embedded default: an AI SDK language model that needs no
 * key or network. Each call reads the latest user message and the tool
 * results of the turn from the prompt and decides the next step by fixed
 * rules (call tools or answer). It streams that step as a model would, so
 * the chat service runs it through the same tool loop as a remote model.
 */
export class OfflineLanguageModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'offline';
  readonly modelId = 'intent-engine';
  readonly supportedUrls = {};

  constructor(private readonly options: OfflineLanguageModelOptions) {}

  doStream(options: LanguageModelV3CallOptions): PromiseLike<LanguageModelV3StreamResult> {
    const parts = this.decideParts(options);
    const signal = options.abortSignal;
    const stream = new ReadableStream<LanguageModelV3StreamPart>({
      pull(controller) {
        const part = parts.shift();
        if (signal?.aborted) controller.error(signal.reason);
        else if (part === undefined) controller.close();
        else controller.enqueue(part);
      },
    });
    return Promise.resolve({ stream });
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const parts = this.decideParts(options);
    const content: LanguageModelV3Content[] = [];
    const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : [])).join('');
    if (text) content.push({ type: 'text', text });
    for (const part of parts) if (part.type === 'tool-call') content.push(part);

    const finish = parts.find((part) => part.type === 'finish');
    return {
      content,
      finishReason: finish?.finishReason ?? { unified: 'stop', raw: 'stop' },
      usage: finish?.usage ?? usageOf(0, 0),
      warnings: [],
    };
  }

  private decideParts(options: LanguageModelV3CallOptions): LanguageModelV3StreamPart[] {
    const turn = readTurnState(options.prompt);
    const action = decideNextAction(turn, {
      today: this.options.now(),
      runWaitSeconds: this.options.runWaitSeconds,
    });
    const offered = new Set(options.tools?.map((tool) => tool.name) ?? []);
    const promptCharacters = JSON.stringify(options.prompt).length;
    return streamParts(
      withOfferedTools(action, offered),
      options.maxOutputTokens,
      promptCharacters,
    );
  }
}

/** Drops calls to tools the caller did not offer, so the engine never calls what it may not. */
function withOfferedTools(action: OfflineAction, offered: Set<string>): OfflineAction {
  if (action.kind === 'answer') return action;

  const calls = action.calls.filter((call) => offered.has(call.toolName));
  if (calls.length > 0) return { ...action, calls };
  return { kind: 'answer', text: 'I cannot do that here: the tools it needs are not available.' };
}

function streamParts(
  action: OfflineAction,
  maxOutputTokens: number | undefined,
  promptCharacters: number,
): LanguageModelV3StreamPart[] {
  const limit = maxOutputTokens === undefined ? Infinity : maxOutputTokens * CHARACTERS_PER_TOKEN;
  const fitted = action.kind === 'answer' ? shortenAnswer(action.text, limit) : action.text;
  const cut = fitted.length > limit;
  const text = cut ? fitted.slice(0, limit) : fitted;
  const calls = cut || action.kind === 'answer' ? [] : action.calls;

  const parts: LanguageModelV3StreamPart[] = [
    { type: 'stream-start', warnings: [] },
    {
      type: 'response-metadata',
      id: randomUUID(),
      modelId: 'intent-engine',
      timestamp: new Date(),
    },
    ...textParts(text),
  ];
  for (const call of calls) parts.push(...toolCallParts(call.toolName, call.input));

  const finishReason: LanguageModelV3FinishReason = cut
    ? { unified: 'length', raw: 'length' }
    : calls.length > 0
      ? { unified: 'tool-calls', raw: 'tool_calls' }
      : { unified: 'stop', raw: 'stop' };
  const outputCharacters = text.length + JSON.stringify(calls).length;
  parts.push({
    type: 'finish',
    finishReason,
    usage: usageOf(promptCharacters, outputCharacters),
  });
  return parts;
}

/** The note that ends an answer shortened to the output limit. */
const SHORTENED_NOTE =
  '\n\nThis answer is shortened to fit the output limit (LLM_MAX_OUTPUT_TOKENS). Ask about one clean room or run, or say "show more" where a list offers it.';

/**
 * Shortens an answer longer than the output limit at the last line break
 * that leaves room for SHORTENED_NOTE, so it ends on a whole line with the
 * note instead of being cut mid-word. A limit too small for the note
 * leaves the text as it is, and it is cut.
 */
function shortenAnswer(text: string, limit: number): string {
  if (text.length <= limit) return text;

  const lineEnd = text.lastIndexOf('\n', limit - SHORTENED_NOTE.length);
  if (lineEnd <= 0) return text;
  return text.slice(0, lineEnd).trimEnd() + SHORTENED_NOTE;
}

function textParts(text: string): LanguageModelV3StreamPart[] {
  if (text.length === 0) return [];

  const id = randomUUID();
  const words = text.split(/(?<=\s)/);
  const deltas: LanguageModelV3StreamPart[] = [];
  for (let index = 0; index < words.length; index += WORDS_PER_DELTA) {
    const delta = words.slice(index, index + WORDS_PER_DELTA).join('');
    deltas.push({ type: 'text-delta', id, delta });
  }
  return [{ type: 'text-start', id }, ...deltas, { type: 'text-end', id }];
}

function toolCallParts(
  toolName: string,
  input: Record<string, unknown>,
): LanguageModelV3StreamPart[] {
  const id = `call_${randomUUID()}`;
  const json = JSON.stringify(input);
  return [
    { type: 'tool-input-start', id, toolName },
    { type: 'tool-input-delta', id, delta: json },
    { type: 'tool-input-end', id },
    { type: 'tool-call', toolCallId: id, toolName, input: json },
  ];
}

function usageOf(inputCharacters: number, outputCharacters: number): LanguageModelV3Usage {
  const input = Math.ceil(inputCharacters / CHARACTERS_PER_TOKEN);
  const output = Math.ceil(outputCharacters / CHARACTERS_PER_TOKEN);
  return {
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: output, text: output, reasoning: undefined },
  };
}
