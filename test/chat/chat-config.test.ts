import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { createChatRuntime } from '../../src/services/chat/chat-runtime.ts';

function issuesOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe('chat model configuration', () => {
  it('defaults to the offline engine with its limits', () => {
    const config = loadConfig({});

    expect(config.LLM_PROVIDER).toBe('offline');
    expect(config.LLM_MAX_STEPS).toBe(8);
    expect(createChatRuntime(config).model.provider).toBe('offline');
  });

  it('names the missing key of a hosted provider', () => {
    const issues = issuesOf({ LLM_PROVIDER: 'anthropic', LLM_MODEL: 'claude-sonnet-4-5' });

    expect(issues).toEqual(['LLM_API_KEY is missing: it is required when LLM_PROVIDER=anthropic']);
  });

  it('needs a base URL but no key for an OpenAI-compatible server', () => {
    expect(issuesOf({ LLM_PROVIDER: 'openai-compatible', LLM_MODEL: 'llama3.1' })).toEqual([
      'LLM_BASE_URL is missing: it is required when LLM_PROVIDER=openai-compatible (such as http://127.0.0.1:11434/v1)',
    ]);
    expect(
      issuesOf({
        LLM_PROVIDER: 'openai-compatible',
        LLM_MODEL: 'llama3.1',
        LLM_BASE_URL: 'http://127.0.0.1:11434/v1',
      }),
    ).toEqual([]);
  });

  it('never prints the key in a configuration error', () => {
    const issues = issuesOf({
      LLM_PROVIDER: 'openai',
      LLM_API_KEY: 'sk-secret-value',
      LLM_MAX_STEPS: '0',
    });

    expect(issues.join('\n')).not.toContain('sk-secret-value');
    expect(issues.join('\n')).toContain('LLM_MODEL is missing');
  });

  it('builds each provider from its settings', () => {
    const runtime = createChatRuntime(
      loadConfig({ LLM_PROVIDER: 'openai', LLM_MODEL: 'gpt-4.1-mini', LLM_API_KEY: 'sk-test' }),
    );

    expect(runtime.model.modelId).toBe('gpt-4.1-mini');
  });
});
