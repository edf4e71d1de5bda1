/**
 * bagpipe's `POST /attach_localport` and `POST /detach_localport` (BAGPIPE-REFERENCE §1). As
 * with Pecan's `request.json`, the body is parsed as JSON whatever its content type (a form
 * body is therefore "No local port details received"). Success is HTTP 200 with body `null`,
 * which the Neutron agent requires. Errors keep bagpipe's JSON body `{code, title,
 * description}` and add `error` (our code) and `field` (the bagpipe field at fault, or null):
 * input errors are 400 ("API error: …"), a storage failure is 503, anything else is 500 with
 * bagpipe's own message. `GET` answers `{}` and PUT/DELETE 405, as bagpipe does.
 */
import { RestCodes, RestInputError, RestStorageError, type RestApi } from '../../reconcile/rest/index.js';
import { BgpdError } from '../../lib/errors.js';
import { HttpError, json, type Reply, type Request, type Router } from './router.js';

type Op = 'attach' | 'detach';

const FAILURE: Readonly<Record<Op, string>> = {
  attach: 'An error occurred during local port plug to VPN',
  detach: 'An error occurred during local port unplug from VPN',
};

export function registerRestRoutes(router: Router, api: RestApi): Router {
  for (const op of ['attach', 'detach'] as const) {
    const path = `/${op}_localport`;
    router.get(path, () => json({}));
    router.post(path, (req) => call(op, req, api));
  }
  return router;
}

/** bagpipe's bodies are 4 levels deep; deeper ones are refused before any field is read. */
const MAX_DEPTH = 32;

/** Whether `v` nests arrays or objects deeper than MAX_DEPTH (iterative: no stack to overflow). */
function tooDeep(v: unknown): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [x, depth] = top;
    if (typeof x !== 'object' || x === null) continue;
    if (depth >= MAX_DEPTH) return true;
    for (const child of Object.values(x)) stack.push([child, depth + 1]);
  }
  return false;
}

function parseBody(req: Request): unknown {
  let body: unknown;
  try {
    body = JSON.parse(req.body.toString('utf8').replace(/^\uFEFF/, '')) as unknown;
  } catch {
    throw new HttpError(400, 'Bad Request', 'No local port details received', {
      error: RestCodes.noBody,
      field: null,
    });
  }
  if (tooDeep(body)) {
    throw new HttpError(400, 'Bad Request', `API error: body nested deeper than ${MAX_DEPTH} levels`, {
      error: RestCodes.invalid,
      field: null,
    });
  }
  return body;
}

async function call(op: Op, req: Request, api: RestApi): Promise<Reply> {
  const body = parseBody(req);
  try {
    await (op === 'attach' ? api.attach(body) : api.detach(body));
  } catch (e) {
    throw toHttpError(op, e);
  }
  return json(null);
}

/** The HTTP answer to a failed attach/detach. */
export function toHttpError(op: Op, e: unknown): HttpError {
  if (e instanceof RestInputError) {
    return new HttpError(400, 'Bad Request', `API error: ${e.message}`, {
      error: e.code,
      field: e.field ?? null,
    });
  }
  if (e instanceof RestStorageError) {
    return new HttpError(503, 'Service Unavailable', e.message, { error: e.code, field: null });
  }
  const error = BgpdError.is(e) ? e.code : 'BGPD_ERR_INTERNAL';
  return new HttpError(500, 'Internal Server Error', FAILURE[op], { error, field: null });
}
