import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { findRoom, getJson, sendJson, type CleanRoomView } from '../support/api-helpers.ts';

interface ErrorBody {
  error: { code: string; message: string };
}

interface RoomBody {
  id: string;
  cleanRoomParameters: { CROWD_SIZE: number; ENABLE_NOISE: boolean; DATA_DECIBEL: number };
}

describe('clean room privacy settings', () => {
  let test: TestPlatform;
  let shared: CleanRoomView;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'pglite' });
    shared = await findRoom(test.app, test.keys.advertiser, 'Holiday');
  });

  afterAll(async () => {
    await test?.close();
  });

  function patch(room: string, parameters: Record<string, unknown>) {
    return sendJson<ErrorBody & RoomBody>(
      test.app,
      test.keys.advertiser,
      'PATCH',
      `/api/v1/cleanrooms/${room}`,
      {
        cleanRoomParameters: parameters,
      },
    );
  }

  it('rejects a crowd size under the platform minimum', async () => {
    const response = await sendJson<ErrorBody>(
      test.app,
      test.keys.advertiser,
      'POST',
      '/api/v1/cleanrooms',
      {
        name: 'Too small',
        cleanRoomParameters: { CROWD_SIZE: 5 },
      },
    );

    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('PRIVACY_VIOLATION');
    expect(response.body.error.message).toContain('minimum of 10');
  });

  it('allows lowering with only own data', async () => {
    const created = await sendJson<RoomBody>(
      test.app,
      test.keys.advertiser,
      'POST',
      '/api/v1/cleanrooms',
      { name: 'Own data only' },
    );

    const lowered = await patch(created.body.id, { CROWD_SIZE: 10 });
    expect(lowered.status).toBe(200);
    expect(lowered.body.cleanRoomParameters.CROWD_SIZE).toBe(10);
  });

  it("rejects loosening while a partner's data is attached", async () => {
    const lowered = await patch(shared.id, { CROWD_SIZE: 10 });

    expect(lowered.status).toBe(422);
    expect(lowered.body.error.code).toBe('PRIVACY_VIOLATION');
    expect(lowered.body.error.message).toContain('CROWD_SIZE');
  });

  it("allows tightening while a partner's data is attached", async () => {
    const raised = await patch(shared.id, { CROWD_SIZE: 100, ENABLE_NOISE: true, DATA_DECIBEL: 2 });
    expect(raised.status).toBe(200);

    const noiseOff = await patch(shared.id, { ENABLE_NOISE: false });
    expect(noiseOff.status).toBe(422);
    const smallerScale = await patch(shared.id, { DATA_DECIBEL: 1 });
    expect(smallerScale.status).toBe(422);
    const backDown = await patch(shared.id, { CROWD_SIZE: 50 });
    expect(backDown.status).toBe(422);
  });

  it('rejects noise switched on without a scale', async () => {
    const response = await sendJson<ErrorBody>(
      test.app,
      test.keys.advertiser,
      'POST',
      '/api/v1/cleanrooms',
      {
        name: 'Noise without scale',
        cleanRoomParameters: { ENABLE_NOISE: true },
      },
    );

    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('DATA_DECIBEL');
  });

  it("shows an owner's change to every partner of the room", async () => {
    const events = await getJson<{ items: { action: string; organizationId: string }[] }>(
      test.app,
      test.keys.publisher,
      `/api/v1/cleanrooms/${shared.id}/audit-events`,
    );

    expect(events.status).toBe(200);
    expect(events.body.items.map((event) => event.action)).toContain('clean_room.update');
  });

  it('hides room events from organizations outside the room', async () => {
    const response = await getJson(
      test.app,
      test.keys.retailer,
      `/api/v1/cleanrooms/${shared.id}/audit-events`,
    );

    expect(response.status).toBe(404);
  });
});
