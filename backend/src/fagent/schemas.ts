import { z } from 'zod';

/** The FAgent protocol's answers (seed section 8). Extra fields are allowed and ignored. */
export const backendsAnswer = z.object({
  success: z.literal(true),
  backends: z.array(z.string().min(1)),
});

// Stored as PostgreSQL int: a larger number is a broken answer, not data.
const count = z.number().int().nonnegative().max(2_147_483_647);

export const fagentServer = z.object({
  name: z.string().min(1),
  address: z
    .string()
    .nullable()
    .optional()
    .transform((v) => v ?? ''),
  status: z.string(),
  weight: count,
  current_sessions: count,
  max_sessions: count
    .nullable()
    .optional()
    .transform((v) => v ?? 0),
});
export type FagentServer = z.infer<typeof fagentServer>;

export const serversAnswer = z.object({
  success: z.literal(true),
  servers: z.array(fagentServer),
});

export const commandAnswer = z.object({ success: z.literal(true) });

/** `{"success":false,...}` carries the agent's reason in one of these fields. */
export const failureAnswer = z.object({
  success: z.literal(false),
  error: z.string().optional(),
  message: z.string().optional(),
});
