/** Machine-readable error codes. Each says what went wrong; the message says what to do. */
export type GeolensErrorCode =
  | 'BAD_ARGUMENT'
  | 'BAD_SHAPE'
  | 'BAD_FILE'
  | 'FILE_NOT_FOUND'
  | 'UNSUPPORTED_OP'
  | 'UNSUPPORTED_DTYPE'
  | 'BAD_MODEL'
  | 'ENGINE'
  | 'INTERRUPTED'
  | 'INCOMPATIBLE_RESULT';

/** The one error type geolens throws on purpose. `code` is stable; `message` tells the user what to do. */
export class GeolensError extends Error {
  readonly code: GeolensErrorCode;
  readonly details?: Record<string, unknown>;
  constructor(code: GeolensErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'GeolensError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

export function fail(code: GeolensErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new GeolensError(code, message, details);
}
