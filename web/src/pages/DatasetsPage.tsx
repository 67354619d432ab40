import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import {
  DatasetDataTypeSchema,
  type ImportLineError,
} from '../../../src/domain/datasets/dataset.ts';
import type { Dataset, DatasetImportResponse } from '../../../src/domain/datasets/dataset-view.ts';
import { fetchDatasets } from '../api/resources.ts';
import { uploadDataset } from '../api/upload-dataset.ts';
import { QueryStatus } from '../components/QueryStatus.tsx';
import { VirtualList } from '../components/VirtualList.tsx';
import { countText, takesSingular } from '../lib/count-text.ts';
import { AttachToRoomForm } from './datasets/attach-to-room-form.tsx';
import { toImportFailure, type ImportFailure } from './datasets/import-failure.ts';
import { IdentifierColumnsField } from './datasets/identifier-columns-field.tsx';
import { usePagedList } from './use-paged-list.ts';

const ROW_HEIGHT_PX = 56;

function DatasetRow(dataset: Dataset) {
  return (
    <div className="row-content">
      <span className="row-title">{dataset.name}</span>
      <span className="row-meta">
        {dataset.dataType} · {countText(dataset.rowCount, 'row')} · {dataset.ownerOrganization.name}
      </span>
    </div>
  );
}

function ImportReport({ outcome }: { outcome: DatasetImportResponse }) {
  const { report } = outcome;
  return (
    <div role="status" data-testid="import-report">
      <p>
        Imported {countText(report.rowCount, 'row')} into {outcome.dataset.name};{' '}
        {countText(report.invalidRowCount, 'row')}{' '}
        {takesSingular(report.invalidRowCount) ? 'was' : 'were'} rejected.
      </p>
      <LineErrors errors={report.errors} />
      {report.errorsTruncated && <p className="muted">Only the first errors are listed.</p>}
      <AttachToRoomForm dataset={outcome.dataset} />
    </div>
  );
}

function LineErrors({ errors }: { errors: readonly ImportLineError[] }) {
  if (errors.length === 0) return null;
  return (
    <ul className="line-errors" aria-label="Rejected lines">
      {errors.map((error) => (
        <li key={`${error.line}-${error.column ?? ''}`}>
          Line {error.line}
          {error.column === null ? '' : `, column ${error.column}`}: {error.message} ({error.code})
        </li>
      ))}
    </ul>
  );
}

/** Returns why the chosen file cannot be imported, or null when it can be uploaded. */
function fileProblem(file: FormDataEntryValue | null): string | null {
  if (!(file instanceof File) || file.name === '') return 'Choose a CSV or Parquet file to import.';
  // The server rejects an empty file too (IMPORT_EMPTY_FILE), but only after the upload.
  if (file.size === 0) {
    return `"${file.name}" is empty (0 bytes). Choose a CSV file with a header line and at least one data row.`;
  }
  return null;
}

function UploadForm() {
  const queryClient = useQueryClient();
  const [progress, setProgress] = useState<number | null>(null);
  const [outcome, setOutcome] = useState<DatasetImportResponse | null>(null);
  const [error, setError] = useState<ImportFailure | null>(null);
  const identifierColumnsRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (error?.fixInIdentifierColumns === true) identifierColumnsRef.current?.focus();
  }, [error]);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (progress !== null) return;
    const form = new FormData(event.currentTarget);
    const file = form.get('file');
    setOutcome(null);
    const problem = fileProblem(file);
    setError(
      problem === null ? null : { message: problem, lines: [], fixInIdentifierColumns: false },
    );
    if (problem !== null || !(file instanceof File)) return;

    setProgress(0);
    try {
      const fields = {
        name: String(form.get('name')),
        dataType: String(form.get('dataType')),
        identifierColumns: String(form.get('identifierColumns') ?? ''),
      };
      setOutcome(await uploadDataset(file, fields, setProgress));
      void queryClient.invalidateQueries({ queryKey: ['datasets'] });
    } catch (failure) {
      setError(toImportFailure(file.name, failure));
    } finally {
      setProgress(null);
    }
  };

  return (
    <>
      <form
        className="upload-form"
        onSubmit={(event) => void onSubmit(event)}
        aria-labelledby="upload-title"
      >
        <h2 id="upload-title">Import a CSV</h2>
        <label htmlFor="dataset-name">Name</label>
        <input id="dataset-name" name="name" required maxLength={200} />
        <label htmlFor="dataset-type">Data type</label>
        <select id="dataset-type" name="dataType" defaultValue="CRM">
          {DatasetDataTypeSchema.options.map((type) => (
            <option key={type}>{type}</option>
          ))}
        </select>
        <IdentifierColumnsField inputRef={identifierColumnsRef} />
        <label htmlFor="dataset-file">File</label>
        <input id="dataset-file" name="file" type="file" accept=".csv,text/csv,.parquet" required />
        {/* aria-disabled, not disabled: a disabled button loses keyboard focus to the page body. */}
        <button type="submit" aria-disabled={progress !== null}>
          Upload
        </button>
        {progress !== null && (
          <>
            <progress max={1} value={progress} aria-label="Upload progress">
              {Math.round(progress * 100)}%
            </progress>
            {/* The bar is full once the browser sent the file; the import on the server takes longer. */}
            <p className="hint" role="status" data-testid="upload-status">
              {progress >= 1 ? 'Uploaded. The server is importing the file…' : ''}
            </p>
          </>
        )}
        {error !== null && (
          <div role="alert" data-testid="import-error">
            <p className="error">{error.message}</p>
            <LineErrors errors={error.lines} />
          </div>
        )}
      </form>
      {outcome !== null && <ImportReport outcome={outcome} />}
    </>
  );
}

export default function DatasetsPage() {
  const { query, items, loadMore, hasMore } = usePagedList(['datasets'], fetchDatasets);
  const [selected, setSelected] = useState<Dataset | null>(null);
  return (
    <section className="list-page" aria-labelledby="datasets-title">
      <h1 id="datasets-title">Datasets</h1>
      <QueryStatus query={query} what="datasets" />
      {items.length > 0 && (
        <VirtualList
          items={items}
          hasMore={hasMore}
          loadMore={loadMore}
          rowHeight={ROW_HEIGHT_PX}
          label="Datasets"
          renderRow={DatasetRow}
          onOpen={setSelected}
        />
      )}
      {selected !== null && (
        <section aria-labelledby="dataset-columns-title">
          <h2 id="dataset-columns-title">{selected.name}: columns</h2>
          <ul>
            {selected.columns.map((column) => (
              <li key={column.name}>
                {column.name} · {column.dataType}
                {column.identifierType === null ? '' : ` · identifier ${column.identifierType}`}
                {column.isPii ? ' · PII' : ''}
              </li>
            ))}
          </ul>
        </section>
      )}
      <UploadForm />
    </section>
  );
}
