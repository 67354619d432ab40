import {
  DatasetImportResponseSchema,
  type DatasetImportResponse,
} from '../../../src/domain/datasets/dataset-view.ts';
import { ErrorEnvelopeSchema } from '../../../src/interfaces/http/error-envelope.ts';
import { getCsrfToken } from './api-client.ts';
import { ApiError } from './api-error.ts';

export interface UploadFields {
  name: string;
  dataType: string;
  /** `column:TYPE` pairs separated by commas; empty to let the server detect the identifiers. */
  identifierColumns?: string;
}

function parseFailure(request: XMLHttpRequest): ApiError {
  const body: unknown = (() => {
    try {
      return JSON.parse(request.responseText);
    } catch {
      return null;
    }
  })();
  const envelope = ErrorEnvelopeSchema.safeParse(body);
  if (envelope.success) {
    const { code, message, details } = envelope.data.error;
    return new ApiError(request.status, code, message, details);
  }
  return new ApiError(
    request.status,
    `HTTP_${request.status}`,
    `The upload failed with HTTP ${request.status}.`,
  );
}

/**
 * Uploads a CSV as multipart form data. XMLHttpRequest rather than fetch,
 * because only it reports upload progress. The form fields go before the
 * file, as the import endpoint reads them first.
 */
export function uploadDataset(
  file: File,
  fields: UploadFields,
  onProgress: (fraction: number) => void,
): Promise<DatasetImportResponse> {
  const form = new FormData();
  form.append('name', fields.name);
  form.append('dataType', fields.dataType);
  const identifierColumns = fields.identifierColumns?.trim() ?? '';
  if (identifierColumns !== '') form.append('identifierColumns', identifierColumns);
  form.append('file', file);

  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', '/api/v1/datasets');
    const token = getCsrfToken();
    if (token !== null) request.setRequestHeader('x-csrf-token', token);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener('load', () => {
      if (request.status >= 200 && request.status < 300) {
        resolve(DatasetImportResponseSchema.parse(JSON.parse(request.responseText)));
        return;
      }
      reject(parseFailure(request));
    });
    request.addEventListener('error', () =>
      reject(new ApiError(0, 'NETWORK_ERROR', 'The upload could not reach the server.')),
    );
    request.send(form);
  });
}
