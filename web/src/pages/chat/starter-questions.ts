/**
 * Questions offered before a conversation starts. The build also writes them
 * into the chat page's prerendered shell (web/build/chat-shell-plugin.ts).
 */
export const STARTER_QUESTIONS = [
  'Which clean rooms can I use?',
  'What is the audience overlap with the publisher by age band?',
] as const;
