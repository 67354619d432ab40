import type { Queryable } from '../database.ts';

export interface QuestionRow {
  id: string;
  display_id: string;
  template: string;
  version: number;
  name: string;
  description: string;
  category: string;
  question_type: 'ANALYTICAL' | 'USER_LIST';
  status: string;
  created_at: Date;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Approved questions and the clean rooms they are added to. */
export class QuestionsRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts or refreshes the catalog entry of a template; the display id stays stable. */
  async upsert(
    question: Omit<QuestionRow, 'id' | 'display_id' | 'status' | 'created_at'> & { id: string },
  ) {
    await this.db.query(
      `INSERT INTO questions (id, display_id, template, version, name, description, category, question_type)
       VALUES ($1, 'CRQ-' || lpad(nextval('question_display_seq')::text, 6, '0'), $2, $3, $4, $5, $6, $7)
       ON CONFLICT (template) DO UPDATE SET version = excluded.version, name = excluded.name,
         description = excluded.description, category = excluded.category,
         question_type = excluded.question_type
       WHERE questions.version < excluded.version`,
      [
        question.id,
        question.template,
        question.version,
        question.name,
        question.description,
        question.category,
        question.question_type,
      ],
    );
  }

  async list(): Promise<QuestionRow[]> {
    return this.db.query<QuestionRow>('SELECT * FROM questions ORDER BY display_id');
  }

  /** Finds a question by UUID, display id (`CRQ-000001`) or template key. */
  async find(reference: string): Promise<QuestionRow | undefined> {
    const column = UUID_PATTERN.test(reference) ? 'id' : 'display_id';
    const value = UUID_PATTERN.test(reference) ? reference : reference.toUpperCase();
    const rows = await this.db.query<QuestionRow>(
      `SELECT * FROM questions WHERE ${column} = $1 OR template = $2`,
      [value, reference],
    );
    return rows[0];
  }

  async addToRoom(cleanRoomId: string, questionId: string): Promise<void> {
    await this.db.query(
      'INSERT INTO clean_room_questions (clean_room_id, question_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [cleanRoomId, questionId],
    );
  }

  async listForRoom(cleanRoomId: string): Promise<QuestionRow[]> {
    return this.db.query<QuestionRow>(
      `SELECT q.* FROM questions q JOIN clean_room_questions c ON c.question_id = q.id
        WHERE c.clean_room_id = $1 ORDER BY q.display_id`,
      [cleanRoomId],
    );
  }

  async isInRoom(cleanRoomId: string, questionId: string): Promise<boolean> {
    const rows = await this.db.query(
      'SELECT 1 FROM clean_room_questions WHERE clean_room_id = $1 AND question_id = $2',
      [cleanRoomId, questionId],
    );
    return rows.length > 0;
  }
}
