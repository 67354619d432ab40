import { z } from 'zod';
import { PartnerSchema } from '../../domain/clean-rooms/clean-room.ts';
import { getCleanRoom } from '../../services/clean-rooms/get-clean-room.ts';
import { listPartners } from '../../services/partners/list-partners.ts';
import { cleanRoomLabel } from './clean-room-label.ts';
import { lenientInput } from './lenient-input.ts';
import { resolveCleanRoomArgument } from './resolve-clean-room-argument.ts';
import { defineTool } from './tool-definition.ts';
import { READ_ONLY_ANNOTATIONS, toolFields } from './tool-fields.ts';
import { formatTable, joinBlocks } from './tool-text.ts';
import { countText } from '../../domain/text/count-text.ts';

export const listPartnersTool = defineTool({
  name: 'list_partners',
  title: 'List clean room partners',
  description:
    'Lists the partner organizations of a clean room, your own included: name, kind (ADVERTISER, PUBLISHER, RETAILER...), role in the room (OWNER, ANALYST, VIEWER) and invitation status. OWNER and ANALYST partners can run questions; VIEWER partners only read results. Next: list_datasets to see what data each partner brought.',
  inputSchema: lenientInput({ cleanRoomId: toolFields.cleanRoomId }),
  outputSchema: z.object({ cleanRoomId: z.string(), items: z.array(PartnerSchema) }),
  annotations: READ_ONLY_ANNOTATIONS,

  async handler(input, { services, caller }) {
    const cleanRoomId = await resolveCleanRoomArgument(services, caller, input.cleanRoomId);
    const room = await getCleanRoom(services, caller, cleanRoomId);
    const partners = await listPartners(services, caller, room.id);
    const table = formatTable(
      ['name', 'kind', 'role', 'status', 'partnerOrganizationId'],
      partners.map((partner) => [
        partner.name,
        partner.kind,
        partner.role,
        partner.status,
        partner.partnerOrganizationId,
      ]),
    );
    return {
      structuredContent: { cleanRoomId, items: partners },
      text: joinBlocks([
        `${countText(partners.length, 'partner')} in ${cleanRoomLabel(room)}:`,
        table,
      ]),
    };
  },
});
