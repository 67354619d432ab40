/**
 * Questions offered before a conversation starts. The build also writes them
 * into the chat page's prerendered shell (web/build/chat-shell-plugin.ts),
 * which is the same for every organization, so they name no partner kind
 * or attribute: "overlap with the publisher by age band" fails for the
 * publisher, whose partner's data has other attributes.
 */
export const STARTER_QUESTIONS = [
  'Which clean rooms can I use?',
  'What questions can I run?',
] as const;
