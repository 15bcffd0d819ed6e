/**
 * @module MongoDB wire protocol framing: OP_MSG both ways, and the OP_QUERY handshake that drivers
 * still open every connection with, answered by OP_REPLY (see the MongoDB OP_MSG specification).
 */
import { deserialize, serialize, type Document } from "bson";

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;
export const MAX_MESSAGE_BYTES = 48_000_000;
const CHECKSUM_PRESENT = 0x1;
const MORE_TO_COME = 0x2;
const EXHAUST_ALLOWED = 0x10000;

/** int64 values stay exact (cursor ids, longs in documents): the codec maps them to bigint. */
const DECODE = { useBigInt64: true } as const;

export type Request = { requestId: number; opCode: number; command: Document; moreToCome: boolean };

export class ProtocolError extends Error {
  constructor(readonly code: number, readonly codeName: string, message: string) {
    super(message);
  }
}

/** The length of the message at the start of `buffer`, once its header has arrived. */
export function messageLength(buffer: Buffer): number | undefined {
  return buffer.length < 4 ? undefined : buffer.readInt32LE(0);
}

/** Decodes one whole message into its command document (kind-1 sequences become array fields). */
export function parseRequest(message: Buffer): Request {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_QUERY) {
    // flags, then the namespace cstring, numberToSkip, numberToReturn, then the command document.
    let at = message.indexOf(0, 20) + 1;
    const namespace = message.toString("utf8", 20, at - 1);
    at += 8;
    const command = deserialize(message.subarray(at, at + message.readInt32LE(at)), DECODE);
    command.$db ??= namespace.split(".")[0];
    return { requestId, opCode, command, moreToCome: false };
  }
  if (opCode !== OP_MSG) throw new ProtocolError(59, "CommandNotFound", `Unsupported opCode ${opCode}: this server speaks OP_MSG (and OP_QUERY for the handshake).`);
  const flags = message.readUInt32LE(16);
  if (flags & 0xfffc) throw new ProtocolError(223, "IllegalOpMsgFlag", `Unrecognized required flag bits in OP_MSG: ${flags & 0xffff}`);
  const end = flags & CHECKSUM_PRESENT ? message.length - 4 : message.length;
  let body: Document | undefined;
  const sequences: Array<[string, Document[]]> = [];
  for (let at = 20; at < end; ) {
    const kind = message[at++];
    if (kind === 0) {
      if (body) throw new ProtocolError(40430, "Location40430", "Multiple body sections in OP_MSG");
      const size = message.readInt32LE(at);
      body = deserialize(message.subarray(at, at + size), DECODE);
      at += size;
    } else if (kind === 1) {
      const size = message.readInt32LE(at);
      const stop = at + size;
      const nameEnd = message.indexOf(0, at + 4);
      const name = message.toString("utf8", at + 4, nameEnd);
      const docs: Document[] = [];
      for (let d = nameEnd + 1; d < stop; d += message.readInt32LE(d)) docs.push(deserialize(message.subarray(d, d + message.readInt32LE(d)), DECODE));
      sequences.push([name, docs]);
      at = stop;
    } else {
      throw new ProtocolError(40432, "Location40432", `Unknown section kind ${kind} in OP_MSG`);
    }
  }
  if (!body) throw new ProtocolError(40587, "Location40587", "OP_MSG has no body section");
  for (const [name, docs] of sequences) {
    if (name in body) throw new ProtocolError(40433, "Location40433", `Duplicate field ${name} in OP_MSG body and sequence`);
    body[name] = docs;
  }
  return { requestId, opCode, command: body, moreToCome: Boolean(flags & MORE_TO_COME) && !(flags & EXHAUST_ALLOWED) };
}

/** A reply's MsgHeader plus `extra` zeroed bytes of its opcode's own fields, ahead of the BSON body. */
function replyHeader(opCode: number, extra: number, bodyLength: number, replyId: number, responseTo: number): Buffer {
  const header = Buffer.alloc(16 + extra);
  header.writeInt32LE(header.length + bodyLength, 0);
  header.writeInt32LE(replyId, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(opCode, 12);
  return header;
}

/** The reply to a request, in the opcode its request expects. */
export function encodeReply(request: Omit<Request, "command">, reply: Document, replyId: number): Buffer {
  const body = serialize(reply);
  if (request.opCode === OP_QUERY) {
    // responseFlags, cursorID and startingFrom stay 0; one document follows.
    const header = replyHeader(OP_REPLY, 20, body.length, replyId, request.requestId);
    header.writeInt32LE(1, 32); // numberReturned
    return Buffer.concat([header, body]);
  }
  // flagBits 0, then one section of kind 0 (the body).
  return Buffer.concat([replyHeader(OP_MSG, 5, body.length, replyId, request.requestId), body]);
}
