import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { Config } from '../../config/config.ts';
import { OfflineLanguageModel } from './offline/offline-language-model.ts';

export type ChatModelConfig = Pick<
  Config,
  'LLM_PROVIDER' | 'LLM_MODEL' | 'LLM_BASE_URL' | 'LLM_API_KEY' | 'LLM_RUN_WAIT_SECONDS'
>;

export interface ChatModelOptions {
  /** Clock of the offline engine, which reads "last 30 days" relative to it. */
  now?: () => Date;
}

/**
 * Builds the chat assistant's language model from the configuration. The
 * configuration module has already checked that a provider which needs a
 * model name, base URL or key has one.
 */
export function createChatModel(
  config: ChatModelConfig,
  options: ChatModelOptions = {},
): LanguageModelV3 {
  const model = config.LLM_MODEL ?? '';
  switch (config.LLM_PROVIDER) {
    case 'offline':
      return new OfflineLanguageModel({
        now: options.now ?? (() => new Date()),
        runWaitSeconds: config.LLM_RUN_WAIT_SECONDS,
      });
    case 'openai-compatible':
      return createOpenAICompatible({
        name: 'openai-compatible',
        baseURL: config.LLM_BASE_URL ?? '',
        apiKey: config.LLM_API_KEY,
      }).chatModel(model);
    case 'openai':
      return createOpenAI({ apiKey: config.LLM_API_KEY, baseURL: config.LLM_BASE_URL })(model);
    case 'anthropic':
      return createAnthropic({ apiKey: config.LLM_API_KEY, baseURL: config.LLM_BASE_URL })(model);
  }
}
