/**
 * Maximum length of a chat message, in characters. It is a copy of the
 * server's CHAT_MESSAGE_MAX_CHARACTERS, because the domain module loads zod,
 * which stays off the first route. A unit test checks that the two match.
 */
export const CHAT_MESSAGE_MAX_CHARACTERS = 4_000;

/** Length from which the message field shows how many characters are left. */
export const CHAT_COUNTER_FROM_CHARACTERS = 3_600;
