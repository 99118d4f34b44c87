/**
 * @module The top-1 retrieved skill handed to extraction as identity context (never as evidence): the
 * extractor words its candidate as an update of that skill, or as a distinct capability. Shape of the
 * seeds' `extraction_reference`, camelCase in the SDK.
 */
import { z } from 'zod';

export const ExtractionReferenceSchema = z.object({
  id: z.string().optional(),
  name: z.string().min(1),
  description: z.string().default(''),
  triggers: z.array(z.string()).max(20).default([]),
  resourcePaths: z.array(z.string()).max(16).default([]),
  /** `user` when the current user owns it, `library` for a shared library skill. */
  scope: z.enum(['user', 'library', 'other']).default('user'),
  score: z.number().optional(),
});
export type ExtractionReference = z.infer<typeof ExtractionReferenceSchema>;
export type ExtractionReferenceInput = z.input<typeof ExtractionReferenceSchema>;
