import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/api-error.ts';
import { SIGN_IN_TITLE } from '../app/page-title.ts';
import { useSession } from '../app/session-context.tsx';

function describeFailure(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'The server could not be reached. Check your connection and try again.';
}

export function SignInPage() {
  const { signIn } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = SIGN_IN_TITLE;
  }, []);

  // The submit button is disabled while signing in, so focus would fall to
  // <body>. After a failure it goes to the password field, which the alert describes.
  useEffect(() => {
    if (error !== null) passwordRef.current?.focus();
  }, [error]);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    try {
      await signIn(String(form.get('email')), String(form.get('password')));
    } catch (failure) {
      setError(describeFailure(failure));
      setPending(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <h1>Sign in to Cleanroom Copilot</h1>
      <form onSubmit={(event) => void onSubmit(event)}>
        <label htmlFor="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="username" required autoFocus />
        <label htmlFor="password">Password</label>
        <input
          ref={passwordRef}
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          aria-describedby={error === null ? undefined : 'sign-in-error'}
        />
        {error !== null && (
          <p id="sign-in-error" className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
