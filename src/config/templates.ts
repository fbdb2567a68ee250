import { z } from 'zod';

/** One masking rule: every match of `pattern` in a token becomes `<*>` (or `replacement`). */
export const maskSchema = z.strictObject({
  name: z.string().min(1).describe('Name shown in parameter extraction (e.g. `ip`, `uuid`).'),
  pattern: z
    .string()
    .min(1)
    .refine((source) => {
      try {
        new RegExp(source, 'g');
        return true;
      } catch {
        return false;
      }
    }, 'not a valid JavaScript regular expression')
    .describe('JavaScript regular expression (no slashes, no flags), applied to the whole message.'),
  replacement: z.string().default('<*>').describe('What a match becomes in the template.'),
});

export type MaskRule = z.infer<typeof maskSchema>;

/** A mask in config: the name of a built-in mask, or a regex rule. */
export const maskSpecSchema = z.union([
  z.string().min(1).describe('Name of a built-in mask: size, user, url, email, uuid, hostPort, hostname, ipv6, ipv4, mac, path, dateWord, hex, duration, number, keyValue.'),
  maskSchema,
]);

/** The online template miner (Drain family). */
export const templatesConfigSchema = z
  .strictObject({
    depth: z
      .number()
      .int()
      .min(3)
      .max(10)
      .default(4)
      .describe('Depth of the prefix tree, counting the root and the token-count level (Drain `depth`).'),
    similarityThreshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.9)
      .describe('Least share of matching constant tokens for a line to join a template (Drain `sim_th`).'),
    maxChildren: z
      .number()
      .int()
      .min(2)
      .default(100)
      .describe('Most children of a prefix-tree node; past it, new tokens go under the wildcard child.'),
    maxClusters: z
      .number()
      .int()
      .min(0)
      .default(50_000)
      .describe('Most templates kept; the least recently matched is evicted past it. 0 for no limit.'),
    variableAfter: z
      .number()
      .int()
      .min(0)
      .default(6)
      .describe(
        'When this many templates differ from each other in one word only, that word is a value (a payment method, a cache key, a locale): they merge into one template with <*> there. Fewer alternatives (VM Started / Paused / Resumed) stay separate events. 0 disables.',
      ),
    masks: z
      .array(maskSpecSchema)
      .optional()
      .describe('Masks in the order they run: built-in names or regex rules. Default: size, user, url, email, uuid, hostPort, hostname, ipv6, ipv4, mac, path, dateWord, hex, duration, number.'),
    extraMasks: z
      .array(maskSpecSchema)
      .default([])
      .describe('Masks run before `masks`, e.g. `{name: order, pattern: "ORD-[0-9]+"}` or the built-in `keyValue`.'),
    learn: z
      .boolean()
      .default(true)
      .describe('Learn new templates (true) or only match known ones (false: unknown lines get no template id).'),
  })
  .describe('Template mining.');

export type TemplatesConfig = z.infer<typeof templatesConfigSchema>;
