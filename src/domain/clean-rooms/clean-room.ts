import { z } from 'zod';

/** Clean room types of the LiveRamp Clean Room API; `Hybrid` runs on the built-in engine. */
export const CleanRoomTypeSchema = z.enum([
  'Hybrid',
  'Snowflake',
  'Databricks',
  'Google',
  'AWS',
  'Facebook',
  'AMC',
  'ADH',
  'LinkedIn',
  'HabuConfidentialComputing',
]);

export const CleanRoomStatusSchema = z.enum(['ACTIVE', 'INACTIVE', 'EXPIRED']);
export const PartnerRoleSchema = z.enum(['OWNER', 'ANALYST', 'VIEWER']);
export type PartnerRole = z.infer<typeof PartnerRoleSchema>;

export const DEFAULT_CROWD_SIZE = 50;

/** Privacy and sharing settings, named as the upstream API's `cleanRoomParameters`. */
export const CleanRoomParametersSchema = z.object({
  /** Minimum distinct identities per output row (k-min). */
  CROWD_SIZE: z.number().int().min(1).max(100_000),
  /** Whether Laplace noise is added to noise-flagged measures. */
  ENABLE_NOISE: z.boolean(),
  /** Laplace scale of the noise, in units of the measure (people, conversions). */
  DATA_DECIBEL: z.number().min(0).max(1_000_000),
  ENABLE_EXPORT: z.boolean(),
});
export type CleanRoomParameters = z.infer<typeof CleanRoomParametersSchema>;

export const DEFAULT_CLEAN_ROOM_PARAMETERS: CleanRoomParameters = {
  CROWD_SIZE: DEFAULT_CROWD_SIZE,
  ENABLE_NOISE: false,
  DATA_DECIBEL: 0,
  ENABLE_EXPORT: false,
};

const isoDate = z.iso.date();

export const CleanRoomSchema = z.object({
  id: z.uuid(),
  displayId: z.string(),
  name: z.string(),
  description: z.string(),
  type: CleanRoomTypeSchema,
  status: CleanRoomStatusSchema,
  ownerOrganization: z.object({ id: z.uuid(), name: z.string() }),
  startAt: isoDate,
  endAt: isoDate.nullable(),
  cleanRoomParameters: CleanRoomParametersSchema,
  /** The caller's organization's role in the room. */
  myRole: PartnerRoleSchema,
  partnersCount: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type CleanRoom = z.infer<typeof CleanRoomSchema>;

export const CreateCleanRoomRequestSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).default(''),
    type: CleanRoomTypeSchema.default('Hybrid'),
    startAt: isoDate.optional(),
    endAt: isoDate.nullable().optional(),
    cleanRoomParameters: CleanRoomParametersSchema.partial().strict().optional(),
  })
  .strict();
export type CreateCleanRoomRequest = z.infer<typeof CreateCleanRoomRequestSchema>;

export const UpdateCleanRoomRequestSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(2000).optional(),
    status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
    endAt: isoDate.nullable().optional(),
    cleanRoomParameters: CleanRoomParametersSchema.partial().strict().optional(),
  })
  .strict();
export type UpdateCleanRoomRequest = z.infer<typeof UpdateCleanRoomRequestSchema>;

export const ListCleanRoomsQuerySchema = z.object({
  // PostgreSQL text cannot hold U+0000, so the search is checked before it reaches a query.
  search: z
    .string()
    .max(200)
    .refine((search) => !search.includes('\0'), 'must not contain NUL characters (U+0000)')
    .optional(),
  status: CleanRoomStatusSchema.optional(),
});

export const PartnerSchema = z.object({
  id: z.uuid(),
  partnerOrganizationId: z.uuid(),
  name: z.string(),
  kind: z.string(),
  role: PartnerRoleSchema,
  status: z.enum(['PENDING', 'ACCEPTED', 'DECLINED']),
  addedAt: z.iso.datetime(),
});
export type Partner = z.infer<typeof PartnerSchema>;

export const AddPartnerRequestSchema = z
  .object({
    /** The partner organization, by id. */
    partnerOrganizationId: z.uuid().optional(),
    /** Or by the email of one of its users, as the upstream API invites partners. */
    partnerAdminEmail: z.email().optional(),
    role: PartnerRoleSchema.default('ANALYST'),
  })
  .strict()
  .refine(
    (body) => (body.partnerOrganizationId === undefined) !== (body.partnerAdminEmail === undefined),
    {
      message: 'Pass exactly one of partnerOrganizationId or partnerAdminEmail.',
    },
  );
export type AddPartnerRequest = z.infer<typeof AddPartnerRequestSchema>;
