import { useState } from 'react';
import { subscribeToRunNotifications } from '../app/push-subscription.ts';

/** Offers run-completion notifications where the browser supports Web Push. */
export function NotifyButton() {
  const [state, setState] = useState<'idle' | 'pending' | 'on' | string>('idle');
  if (!('PushManager' in window) || !('serviceWorker' in navigator)) return null;

  const subscribe = () => {
    setState('pending');
    subscribeToRunNotifications().then(
      () => setState('on'),
      (error: unknown) => setState(error instanceof Error ? error.message : String(error)),
    );
  };
  if (state === 'on') return <p role="status">You will be notified when your runs finish.</p>;
  return (
    <p>
      <button type="button" onClick={subscribe} disabled={state === 'pending'}>
        Notify me when my runs finish
      </button>
      {state !== 'idle' && state !== 'pending' && <span className="error"> {state}</span>}
    </p>
  );
}
