/** Identity of a service's caller: every service call carries one, and every query is scoped by it. */
export interface Caller {
  organizationId: string;
  userId: string;
  /** Set when the caller authenticated with an API key. */
  apiKeyId: string | null;
  role: 'ADMIN' | 'MEMBER';
}
