-- Core clean room schema. Names follow the LiveRamp Clean Room API where it
-- has one (displayId, cleanRoomParameters, questionType, failureReason,
-- isRetryable) so a provider adapter maps one to one.

CREATE TABLE organizations (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('ADVERTISER', 'PUBLISHER', 'RETAILER', 'AGENCY', 'OTHER')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  email text NOT NULL UNIQUE,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('ADMIN', 'MEMBER')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  user_id uuid NOT NULL REFERENCES users (id),
  name text NOT NULL,
  -- First characters of the key, shown in listings so a user can tell keys apart.
  prefix text NOT NULL,
  -- SHA-256 of the whole key: keys carry 192 random bits, so a slow hash adds nothing.
  key_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_keys_organization_idx ON api_keys (organization_id, created_at);

CREATE SEQUENCE clean_room_display_seq;

CREATE TABLE clean_rooms (
  id uuid PRIMARY KEY,
  display_id text NOT NULL UNIQUE,
  owner_organization_id uuid NOT NULL REFERENCES organizations (id),
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  type text NOT NULL,
  status text NOT NULL CHECK (status IN ('ACTIVE', 'INACTIVE', 'EXPIRED')),
  start_at date NOT NULL,
  end_at date,
  crowd_size integer NOT NULL CHECK (crowd_size >= 1),
  noise_enabled boolean NOT NULL,
  noise_scale double precision NOT NULL CHECK (noise_scale >= 0),
  export_enabled boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clean_rooms_name_idx ON clean_rooms (lower(name));

CREATE TABLE clean_room_partners (
  id uuid PRIMARY KEY,
  clean_room_id uuid NOT NULL REFERENCES clean_rooms (id) ON DELETE CASCADE,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  role text NOT NULL CHECK (role IN ('OWNER', 'ANALYST', 'VIEWER')),
  status text NOT NULL DEFAULT 'ACCEPTED' CHECK (status IN ('PENDING', 'ACCEPTED', 'DECLINED')),
  added_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (clean_room_id, organization_id)
);
CREATE INDEX clean_room_partners_organization_idx ON clean_room_partners (organization_id, clean_room_id);

CREATE TABLE datasets (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  data_type text NOT NULL CHECK (data_type IN ('CRM', 'AUDIENCE', 'EXPOSURES', 'CONVERSIONS', 'GENERIC')),
  columns jsonb NOT NULL,
  row_count bigint NOT NULL,
  size_bytes bigint NOT NULL,
  storage_location text NOT NULL,
  import_report jsonb NOT NULL,
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, name)
);

CREATE TABLE clean_room_datasets (
  clean_room_id uuid NOT NULL REFERENCES clean_rooms (id) ON DELETE CASCADE,
  dataset_id uuid NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  attached_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (clean_room_id, dataset_id)
);

CREATE SEQUENCE question_display_seq;

CREATE TABLE questions (
  id uuid PRIMARY KEY,
  display_id text NOT NULL UNIQUE,
  -- Key of the engine template that implements the question.
  template text NOT NULL UNIQUE,
  version integer NOT NULL,
  name text NOT NULL,
  description text NOT NULL,
  category text NOT NULL,
  question_type text NOT NULL CHECK (question_type IN ('ANALYTICAL', 'USER_LIST')),
  status text NOT NULL DEFAULT 'APPROVED',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE clean_room_questions (
  clean_room_id uuid NOT NULL REFERENCES clean_rooms (id) ON DELETE CASCADE,
  question_id uuid NOT NULL REFERENCES questions (id),
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (clean_room_id, question_id)
);

CREATE TABLE question_runs (
  id uuid PRIMARY KEY,
  clean_room_id uuid NOT NULL REFERENCES clean_rooms (id) ON DELETE CASCADE,
  question_id uuid NOT NULL REFERENCES questions (id),
  organization_id uuid NOT NULL REFERENCES organizations (id),
  user_id uuid REFERENCES users (id),
  name text NOT NULL,
  status text NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')),
  progress integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  parameters jsonb NOT NULL,
  dataset_bindings jsonb NOT NULL,
  privacy jsonb NOT NULL,
  idempotency_key text,
  attempt integer NOT NULL DEFAULT 0,
  submitted_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  completed_at timestamptz,
  failure_reason text,
  is_retryable boolean NOT NULL DEFAULT false,
  UNIQUE (organization_id, idempotency_key)
);
CREATE INDEX question_runs_clean_room_idx ON question_runs (clean_room_id, submitted_at DESC, id DESC);
CREATE INDEX question_runs_active_idx ON question_runs (status) WHERE status IN ('QUEUED', 'RUNNING');

CREATE TABLE question_run_results (
  run_id uuid PRIMARY KEY REFERENCES question_runs (id) ON DELETE CASCADE,
  columns jsonb NOT NULL,
  row_count integer NOT NULL,
  suppressed_row_count integer NOT NULL,
  noise_applied boolean NOT NULL,
  privacy jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE question_run_result_rows (
  run_id uuid NOT NULL REFERENCES question_run_results (run_id) ON DELETE CASCADE,
  row_number integer NOT NULL,
  "values" jsonb NOT NULL,
  PRIMARY KEY (run_id, row_number)
);

CREATE TABLE audit_events (
  id bigserial PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  user_id uuid REFERENCES users (id),
  api_key_id uuid REFERENCES api_keys (id),
  action text NOT NULL,
  object_type text NOT NULL,
  object_id text NOT NULL,
  clean_room_id uuid,
  details jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_organization_idx ON audit_events (organization_id, created_at DESC);
CREATE INDEX audit_events_object_idx ON audit_events (object_type, object_id);
