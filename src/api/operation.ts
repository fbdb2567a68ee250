import type { z } from 'zod';
import type { Role } from '../incidents/index.js';
import type { Actor } from './auth.js';
import { ApiError } from './ApiError.js';
import { parseInput } from './validate.js';

/** What a route receives from express before validation. */
export interface RawInput {
  params: unknown;
  query: unknown;
  body: unknown;
  /** Undefined on public operations. */
  actor: Actor | undefined;
}

/**
 * One API operation: its route, who may call it, the zod schemas that validate its input and
 * describe its answer, and its handler. The router and the OpenAPI document are both built from
 * the list of operations, so what is validated is what is documented.
 */
export interface Operation {
  operationId: string;
  method: 'get' | 'post';
  /** Express path under `/api`, e.g. `/incidents/:id`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Least role that may call it; `public` needs no token. */
  role: Role | 'public';
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  response: { schema: z.ZodType; description: string };
  /** Whether the operation answers 404 for an unknown resource. */
  notFound?: boolean;
  /** Whether it reads the store (and so may answer 503). */
  usesStore: boolean;
  /** Validates the raw input with the schemas, runs the handler, and returns the 200 body. */
  run(input: RawInput): Promise<unknown>;
}

/** The query as given, after refusing a parameter given more than once (`?limit=5&limit=6`), which no operation accepts. */
function singleValued(query: unknown): unknown {
  if (typeof query !== 'object' || query === null) return {};
  for (const [name, value] of Object.entries(query)) {
    if (Array.isArray(value)) throw new ApiError('invalid_request', `query parameter ${name}: is given more than once; give it once`, { field: name, reason: 'is given more than once; give it once' });
  }
  return query;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** An operation as written: the handler sees its validated, typed input. */
export interface OperationDefinition<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, B extends z.ZodType | undefined, R extends z.ZodType>
  extends Omit<Operation, 'run' | 'params' | 'query' | 'body' | 'response'> {
  params?: P;
  query?: Q;
  body?: B;
  response: { schema: R; description: string };
  handle(input: { params: Out<P>; query: Out<Q>; body: Out<B>; actor: Actor | undefined }): Promise<z.output<R>>;
}

/** Builds an {@link Operation} whose `run` validates with `safeParse` (400 naming the field) before calling `handle`. */
export function defineOperation<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined, R extends z.ZodType = z.ZodType>(
  definition: OperationDefinition<P, Q, B, R>,
): Operation {
  const { handle, ...rest } = definition;
  const parse = <S extends z.ZodType | undefined>(schema: S, value: unknown, source: Parameters<typeof parseInput>[2]): Out<S> =>
    (schema === undefined ? undefined : parseInput(schema, value, source)) as Out<S>;
  return {
    ...rest,
    async run(input) {
      const params = parse(definition.params as P, input.params, 'path parameter');
      const query = parse(definition.query as Q, singleValued(input.query), 'query parameter');
      const body = parse(definition.body as B, input.body, 'body field');
      return handle({ params, query, body, actor: input.actor });
    },
  };
}
