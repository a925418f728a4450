/**
 * The AMQP 1.0 type and frame codes the transfer fast paths read and write (AMQP 1.0 part 1,
 * 1.6 and part 2, 2.3.2), one list shared by the reader (transfer-reader.ts) and the writer
 * (direct-transfers.ts), so both speak the same bytes.
 */
export const NULL = 0x40;
export const TRUE = 0x41;
export const FALSE = 0x42;
export const BOOLEAN = 0x56;
export const UBYTE = 0x50;
export const UINT0 = 0x43;
export const SMALLUINT = 0x52;
export const UINT = 0x70;
export const VBIN8 = 0xa0;
export const VBIN32 = 0xb0;
export const LIST8 = 0xc0;
export const LIST32 = 0xd0;
/** A described type's constructor, then its descriptor (a smallulong code here). */
export const DESCRIBED = 0x00;
export const SMALLULONG = 0x53;
/** The transfer performative's descriptor code. */
export const TRANSFER_CODE = 0x14;
/** A frame header's type byte for an AMQP frame. */
export const FRAME_TYPE_AMQP = 0x00;
