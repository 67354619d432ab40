import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ApiClient, apiOptionsFrom } from '../api-client.ts';
import { CliError, loadConfigOrExit } from '../boot.ts';
import { formatTable, plural } from '../print-table.ts';

interface ImportOptions {
  name?: string;
  description?: string;
  dataType: string;
  delimiter?: string;
  identifierColumns?: string;
  piiColumns?: string;
  maxInvalidRows?: string;
  attachTo?: string;
  url?: string;
  apiKey?: string;
}

interface ImportAnswer {
  dataset: {
    id: string;
    name: string;
    rowCount: number;
    columns: { name: string; dataType: string; identifierType: string | null; isPii: boolean }[];
  };
  report: {
    rowCount: number;
    invalidRowCount: number;
    errors: { line: number; column: string | null; code: string; message: string }[];
    errorsTruncated: boolean;
  };
}

export function registerImportCsvCommand(program: Command): void {
  program
    .command('import-csv')
    .description('Import a CSV (or Parquet) file as a dataset of your organization through the API')
    .argument('<file>', 'path of the CSV or Parquet file')
    .option('--name <name>', 'dataset name, unique in your organization (default: the file name)')
    .option('--description <text>', 'free text shown to partners')
    .option('--data-type <type>', 'CRM, AUDIENCE, EXPOSURES, CONVERSIONS or GENERIC', 'CRM')
    .option('--delimiter <char>', "field delimiter: ',', ';', '|' or tab (default: detected)")
    .option(
      '--identifier-columns <list>',
      'identifier columns as column:TYPE pairs, e.g. email:EMAIL,phone:PHONE; column:NONE stores a column untouched (default: detected by name and content)',
    )
    .option(
      '--pii-columns <list>',
      'comma-separated columns to flag as PII: stored, never shown in results',
    )
    .option(
      '--max-invalid-rows <count>',
      'reject the whole file past this many invalid rows (default: IMPORT_MAX_INVALID_ROWS)',
    )
    .option(
      '--attach-to <cleanRoom>',
      'attach the dataset to this clean room (id or display id) after import',
    )
    .option('--url <url>', 'server URL (default: CLEANROOM_URL or http://127.0.0.1:PORT)')
    .option('--api-key <key>', 'API key (default: CLEANROOM_API_KEY)')
    .action((file: string, options: ImportOptions) => importCsv(file, options));
}

async function importCsv(file: string, options: ImportOptions): Promise<void> {
  const config = loadConfigOrExit();
  const client = new ApiClient(apiOptionsFrom(options, config.PORT));
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw new CliError(`File "${file}" was not found or is not a regular file.`);

  const form = new FormData();
  form.set('name', options.name ?? path.basename(file).replace(/\.[^.]+$/, ''));
  if (options.description) form.set('description', options.description);
  form.set('dataType', options.dataType.toUpperCase());
  if (options.delimiter)
    form.set('delimiter', options.delimiter === '\\t' ? 'tab' : options.delimiter);
  if (options.identifierColumns) form.set('identifierColumns', options.identifierColumns);
  if (options.piiColumns) form.set('piiColumns', options.piiColumns);
  if (options.maxInvalidRows) form.set('maxInvalidRows', options.maxInvalidRows);
  form.set('file', await openAsBlob(file), path.basename(file));

  const answer = await client.postForm<ImportAnswer>('/datasets', form);
  printImport(answer);
  if (options.attachTo) {
    await client.request(
      'PUT',
      `/cleanrooms/${encodeURIComponent(options.attachTo)}/datasets/${answer.dataset.id}`,
    );
    process.stdout.write(`Attached to clean room ${options.attachTo}.\n`);
  }
}

function printImport(answer: ImportAnswer): void {
  const { dataset, report } = answer;
  process.stdout.write(
    `Imported dataset "${dataset.name}" (${dataset.id}): ${plural(report.rowCount, 'row')}, ${plural(report.invalidRowCount, 'invalid row')} skipped.\n`,
  );
  const columns = dataset.columns.map((column) => [
    column.name,
    column.dataType,
    column.identifierType ?? '',
    column.isPii ? 'yes' : '',
  ]);
  process.stdout.write(`${formatTable(['Column', 'Type', 'Identifier', 'PII'], columns)}\n`);
  if (report.errors.length === 0) return;

  const errors = report.errors.map((error) => [
    error.line,
    error.column ?? '',
    error.code,
    error.message,
  ]);
  process.stdout.write(
    `\nInvalid rows${report.errorsTruncated ? ' (first ones)' : ''}:\n${formatTable(['Line', 'Column', 'Code', 'Message'], errors)}\n`,
  );
}
