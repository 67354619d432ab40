import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError } from '../api/api-error.ts';
import { fetchPushPublicKey, subscribeToRunNotifications } from '../app/push-subscription.ts';

/**
 * Offers run-completion notifications where the browser supports Web Push
 * and the server has VAPID keys. Without the keys the server rejects the
 * public key request with 404 PUSH_NOT_CONFIGURED, and an explanation takes
 * the button's place.
 */
export function NotifyButton() {
  const [state, setState] = useState<'idle' | 'pending' | 'on' | string>('idle');
  const supported = 'PushManager' in window && 'serviceWorker' in navigator;
  const publicKey = useQuery({
    queryKey: ['push-public-key'],
    queryFn: fetchPushPublicKey,
    enabled: supported,
    staleTime: Infinity,
    retry: false,
    // Offline the check waits for the network, so no button shows that cannot work.
    networkMode: 'online',
  });
  if (!supported || publicKey.isPending) return null;
  if (publicKey.error instanceof ApiError && publicKey.error.code === 'PUSH_NOT_CONFIGURED') {
    return (
      <p className="hint" data-testid="push-unavailable">
        Notifications of finished runs are off, because this server has no Web Push keys set up.
        Open a run to follow its progress live.
      </p>
    );
  }
  if (publicKey.isError) {
    return (
      <p className="hint" data-testid="push-unavailable">
        Notifications of finished runs cannot be set up now, because the server did not answer.
        Reload this page to try again.
      </p>
    );
  }

  const subscribe = () => {
    setState('pending');
    subscribeToRunNotifications(publicKey.data?.publicKey).then(
      () => setState('on'),
      (error: unknown) => setState(error instanceof Error ? error.message : String(error)),
    );
  };
  if (state === 'on') return <p role="status">You will be notified when your runs finish.</p>;
  return (
    <p>
      <button
        type="button"
        onClick={() => {
          if (state !== 'pending') subscribe();
        }}
        aria-disabled={state === 'pending'}
      >
        Notify me when my runs finish
      </button>
      {state !== 'idle' && state !== 'pending' && <span className="error"> {state}</span>}
    </p>
  );
}
