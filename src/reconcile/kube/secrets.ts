/**
 * Reads one key of a Secret (BgpPeer `spec.passwordSecretRef`: the TCP MD5 key), decoded
 * from base64, with errors that name the Secret and the key.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import { BgpdError, errorMessage } from '../../lib/errors.js';
import { httpStatus, requestOptions } from './client.js';

export interface SecretKeyRef {
  readonly namespace: string;
  readonly name: string;
  readonly key: string;
}

export type SecretErrorCode =
  'BGPD_ERR_SECRET_NOT_FOUND' | 'BGPD_ERR_SECRET_KEY_MISSING' | 'BGPD_ERR_SECRET_READ';

export class SecretError extends BgpdError {
  declare readonly code: SecretErrorCode;
  readonly ref: SecretKeyRef;
  /** HTTP status of the failed read, if there was an answer. */
  readonly status: number | undefined;

  constructor(
    code: SecretErrorCode,
    ref: SecretKeyRef,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.ref = ref;
    this.status = options?.status;
  }
}

function describe(ref: SecretKeyRef): string {
  return `Secret ${ref.namespace}/${ref.name}`;
}

/** The raw bytes of `ref.key`. */
export async function readSecretKeyBytes(
  core: CoreV1Api,
  ref: SecretKeyRef,
  signal?: AbortSignal,
): Promise<Buffer> {
  let data: Readonly<Record<string, string>> | undefined;
  try {
    const secret = await core.readNamespacedSecret(
      { namespace: ref.namespace, name: ref.name },
      requestOptions(signal),
    );
    data = secret.data;
  } catch (e) {
    const status = httpStatus(e);
    const opts = { cause: e, ...(status === undefined ? {} : { status }) };
    if (status === 404)
      throw new SecretError('BGPD_ERR_SECRET_NOT_FOUND', ref, `${describe(ref)} not found`, opts);
    throw new SecretError(
      'BGPD_ERR_SECRET_READ',
      ref,
      `${describe(ref)}: cannot read: ${errorMessage(e)}`,
      opts,
    );
  }
  const encoded = data?.[ref.key];
  if (encoded === undefined) {
    const present =
      Object.keys(data ?? {})
        .sort()
        .join(', ') || 'none';
    throw new SecretError(
      'BGPD_ERR_SECRET_KEY_MISSING',
      ref,
      `${describe(ref)} has no key "${ref.key}" (keys: ${present})`,
    );
  }
  return Buffer.from(encoded, 'base64');
}

/** `ref.key` decoded as UTF-8 text (a TCP MD5 password). */
export async function readSecretKey(
  core: CoreV1Api,
  ref: SecretKeyRef,
  signal?: AbortSignal,
): Promise<string> {
  return (await readSecretKeyBytes(core, ref, signal)).toString('utf8');
}
