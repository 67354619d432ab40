import { describe, expect, it } from 'vitest';
import { CHAT_MESSAGE_MAX_CHARACTERS as SERVER_LIMIT } from '../../src/domain/chat/conversation.ts';
import { pageTitle } from '../../web/src/app/page-title.ts';
import { CHAT_MESSAGE_MAX_CHARACTERS as WEB_LIMIT } from '../../web/src/lib/chat-message-limit.ts';
import { chatReducer, initialChatState } from '../../web/src/pages/chat/chat-state.ts';

describe('page title', () => {
  it.each([
    ['/', 'Chat - Cleanroom Copilot'],
    ['/cleanrooms', 'Clean rooms - Cleanroom Copilot'],
    ['/cleanrooms/CR-000001', 'Clean room CR-000001 - Cleanroom Copilot'],
    [
      '/cleanrooms/CR-000001/questions/audience_overlap/run',
      'Run question audience_overlap - Cleanroom Copilot',
    ],
    ['/datasets', 'Datasets - Cleanroom Copilot'],
    ['/runs', 'Runs - Cleanroom Copilot'],
    ['/runs/abc', 'Run abc - Cleanroom Copilot'],
    ['/status', 'System status - Cleanroom Copilot'],
    ['/nowhere', 'Page not found - Cleanroom Copilot'],
  ])('names %s', (pathname, title) => {
    expect(pageTitle(pathname)).toBe(title);
  });
});

describe('chat message limit', () => {
  it('matches the server limit', () => {
    expect(WEB_LIMIT).toBe(SERVER_LIMIT);
  });
});

describe('chat reducer rejection', () => {
  const sent = chatReducer(initialChatState, { type: 'sent', clientId: 'c1', text: 'long text' });

  it('removes a rejected message and returns its text', () => {
    const failed = chatReducer(sent, {
      type: 'failed',
      message: 'The message has 4001 characters; the limit is 4000.',
      rejectedClientId: 'c1',
    });
    expect(failed.entries).toEqual([]);
    expect(failed.unsentText).toBe('long text');
    expect(failed.error).toContain('4001');
    expect(failed.pendingReplyTo).toBeNull();
  });

  it('keeps the log on an error without a rejected message', () => {
    const failed = chatReducer(sent, { type: 'failed', message: 'Stream lost.' });
    expect(failed.entries).toHaveLength(1);
    expect(failed.unsentText).toBeNull();
  });
});
