import type { Dataset } from '../../domain/datasets/dataset-view.ts';
import type { DatasetRow } from '../../adapters/storage/repositories/datasets-repository.ts';
import { toIso } from '../../adapters/storage/repositories/row-mapping.ts';

export function toDatasetView(row: DatasetRow): Dataset {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    dataType: row.data_type,
    ownerOrganization: { id: row.organization_id, name: row.organization_name },
    columns: row.columns,
    rowCount: row.row_count,
    sizeBytes: row.size_bytes,
    createdAt: toIso(row.created_at),
  };
}
