-- Web app sign-in: password hashes, browser sessions, Web Push
-- subscriptions and the once-per-run marker of push notifications.

-- argon2id PHC string; NULL for users who sign in with API keys only.
ALTER TABLE users ADD COLUMN password_hash text;

-- One row per signed-in browser. The cookie carries a random id of 256 bits
-- and only its SHA-256 is stored, so a copy of this table opens no session.
CREATE TABLE sessions (
  id_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  -- Synchronizer token the browser sends back in X-CSRF-Token on every state-changing request.
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  -- Idle expiry, pushed forward on use but never past absolute_expires_at.
  expires_at timestamptz NOT NULL,
  absolute_expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- A browser's PushSubscription. The endpoint identifies the browser profile,
-- so a second sign-in on the same browser moves the row to the new user.
CREATE TABLE push_subscriptions (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  endpoint text NOT NULL UNIQUE,
  p256dh text NOT NULL,
  auth text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX push_subscriptions_user_idx ON push_subscriptions (user_id);

-- Written with INSERT ... ON CONFLICT DO NOTHING before a run's notification
-- is sent, so of all the processes that receive the run's final event only
-- the one whose insert succeeds sends it.
CREATE TABLE push_notifications_sent (
  run_id uuid PRIMARY KEY REFERENCES question_runs (id) ON DELETE CASCADE,
  status text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The clean room list pages newest first over (created_at, id); without this
-- index every page of a large list sorts all of the organization's rooms.
CREATE INDEX clean_rooms_created_idx ON clean_rooms (created_at DESC, id DESC)
