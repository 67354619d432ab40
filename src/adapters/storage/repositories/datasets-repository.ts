import type {
  DatasetColumn,
  DatasetDataType,
  ImportReport,
} from '../../../domain/datasets/dataset.ts';
import type { Queryable } from '../database.ts';

export interface DatasetRow {
  id: string;
  organization_id: string;
  organization_name: string;
  name: string;
  description: string;
  data_type: DatasetDataType;
  columns: DatasetColumn[];
  row_count: number;
  size_bytes: number;
  storage_location: string;
  import_report: ImportReport;
  created_by: string | null;
  created_at: Date;
}

export interface NewDataset {
  id: string;
  organizationId: string;
  name: string;
  description: string;
  dataType: DatasetDataType;
  columns: DatasetColumn[];
  rowCount: number;
  sizeBytes: number;
  storageLocation: string;
  importReport: ImportReport;
  createdBy: string | null;
}

const datasetSelect = `
  SELECT d.*, o.name AS organization_name FROM datasets d JOIN organizations o ON o.id = d.organization_id`;

/** Dataset descriptions; the rows themselves live as Parquet in the dataset store. */
export class DatasetsRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts the dataset; returns false when the organization already has one of that name. */
  async insert(dataset: NewDataset): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO datasets (id, organization_id, name, description, data_type, columns, row_count,
                             size_bytes, storage_location, import_report, created_by)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10::jsonb, $11)
       ON CONFLICT (organization_id, name) DO NOTHING RETURNING id`,
      [
        dataset.id,
        dataset.organizationId,
        dataset.name,
        dataset.description,
        dataset.dataType,
        JSON.stringify(dataset.columns),
        dataset.rowCount,
        dataset.sizeBytes,
        dataset.storageLocation,
        JSON.stringify(dataset.importReport),
        dataset.createdBy,
      ],
    );
    return rows.length > 0;
  }

  async findOwned(organizationId: string, id: string): Promise<DatasetRow | undefined> {
    const rows = await this.db.query<DatasetRow>(
      `${datasetSelect} WHERE d.id = $1 AND d.organization_id = $2`,
      [id, organizationId],
    );
    return rows[0];
  }

  async findByName(organizationId: string, name: string): Promise<DatasetRow | undefined> {
    const rows = await this.db.query<DatasetRow>(
      `${datasetSelect} WHERE d.organization_id = $1 AND d.name = $2`,
      [organizationId, name],
    );
    return rows[0];
  }

  async listOwned(
    organizationId: string,
    filter: { after?: { createdAt: string; id: string }; limit: number },
  ): Promise<DatasetRow[]> {
    const params: unknown[] = [organizationId];
    let keyset = '';
    if (filter.after) {
      params.push(filter.after.createdAt, filter.after.id);
      keyset = 'AND (d.created_at, d.id) < ($2::timestamptz, $3::uuid)';
    }
    params.push(filter.limit + 1);
    return this.db.query<DatasetRow>(
      `${datasetSelect} WHERE d.organization_id = $1 ${keyset}
        ORDER BY d.created_at DESC, d.id DESC LIMIT $${params.length}`,
      params,
    );
  }

  async listForRoom(cleanRoomId: string): Promise<DatasetRow[]> {
    return this.db.query<DatasetRow>(
      `${datasetSelect} JOIN clean_room_datasets a ON a.dataset_id = d.id
        WHERE a.clean_room_id = $1 ORDER BY a.attached_at, d.id`,
      [cleanRoomId],
    );
  }

  async findAttached(cleanRoomId: string, datasetId: string): Promise<DatasetRow | undefined> {
    const rows = await this.db.query<DatasetRow>(
      `${datasetSelect} JOIN clean_room_datasets a ON a.dataset_id = d.id
        WHERE a.clean_room_id = $1 AND d.id = $2`,
      [cleanRoomId, datasetId],
    );
    return rows[0];
  }

  /** Attaches a dataset to a room; returns false when it was attached already. */
  async attach(cleanRoomId: string, datasetId: string): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO clean_room_datasets (clean_room_id, dataset_id) VALUES ($1, $2)
       ON CONFLICT DO NOTHING RETURNING dataset_id`,
      [cleanRoomId, datasetId],
    );
    return rows.length > 0;
  }

  async detach(cleanRoomId: string, datasetId: string): Promise<boolean> {
    const rows = await this.db.query(
      'DELETE FROM clean_room_datasets WHERE clean_room_id = $1 AND dataset_id = $2 RETURNING dataset_id',
      [cleanRoomId, datasetId],
    );
    return rows.length > 0;
  }

  /** Detaches every dataset of the organization from the room, as when the partner leaves it. */
  async detachOrganization(cleanRoomId: string, organizationId: string): Promise<void> {
    await this.db.query(
      `DELETE FROM clean_room_datasets a USING datasets d
        WHERE a.dataset_id = d.id AND a.clean_room_id = $1 AND d.organization_id = $2`,
      [cleanRoomId, organizationId],
    );
  }

  async findByIds(ids: string[]): Promise<DatasetRow[]> {
    return this.db.query<DatasetRow>(`${datasetSelect} WHERE d.id = ANY($1::uuid[])`, [ids]);
  }
}
