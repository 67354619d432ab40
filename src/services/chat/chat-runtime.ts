import type { LanguageModelV3 } from '@ai-sdk/provider';
import { createChatModel, type ChatModelOptions } from '../../adapters/llm/create-chat-model.ts';
import { loadConfig, type Config } from '../../config/config.ts';
import type { ClaimTiming } from './answer-claim.ts';

/** Limits of one answer, from the LLM_* settings. */
export interface ChatLimits {
  /** Model calls per answer. */
  maxSteps: number;
  /** Tokens the model may write per call. */
  maxOutputTokens: number;
  /** Estimated tokens of earlier messages sent with each new message. */
  historyTokenBudget: number;
  /** Retries of a failed model call. */
  maxRetries: number;
}

/** The chat assistant's model and limits, built once per process. */
export interface ChatRuntime {
  model: LanguageModelV3;
  limits: ChatLimits;
  /** Clock for "today" in the instructions and in the offline engine's relative dates. */
  now(): Date;
  /** Time to live and renewal interval of answer claims, 30 s and 10 s when absent. Tests shorten them. */
  claimTiming?: ClaimTiming;
}

type ChatConfig = Pick<
  Config,
  | 'LLM_PROVIDER'
  | 'LLM_MODEL'
  | 'LLM_BASE_URL'
  | 'LLM_API_KEY'
  | 'LLM_RUN_WAIT_SECONDS'
  | 'LLM_MAX_STEPS'
  | 'LLM_MAX_OUTPUT_TOKENS'
  | 'LLM_HISTORY_TOKEN_BUDGET'
  | 'LLM_MAX_RETRIES'
>;

export function createChatRuntime(config: ChatConfig, options: ChatModelOptions = {}): ChatRuntime {
  const now = options.now ?? (() => new Date());
  return {
    now,
    model: createChatModel(config, { now }),
    limits: {
      maxSteps: config.LLM_MAX_STEPS,
      maxOutputTokens: config.LLM_MAX_OUTPUT_TOKENS,
      historyTokenBudget: config.LLM_HISTORY_TOKEN_BUDGET,
      maxRetries: config.LLM_MAX_RETRIES,
    },
  };
}

let defaultRuntime: ChatRuntime | undefined;

/** Returns the context's runtime, or the offline engine with the default limits when the context has none. */
export function chatRuntimeOf(context: { chat?: ChatRuntime }): ChatRuntime {
  if (context.chat) return context.chat;
  defaultRuntime ??= createChatRuntime(loadConfig({}));
  return defaultRuntime;
}
